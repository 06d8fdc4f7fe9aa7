using System.Net.Http.Json;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using Homer.Actors.Contracts;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Homer.Actors.Alarms;

/// <summary>Where raised and resolved alarms are sent besides the API: webhooks and e-mail. What varies per deployment.</summary>
public sealed record AlarmNotificationSettings
{
    /// <summary>Each gets a JSON POST per raised or resolved alarm.</summary>
    public IReadOnlyList<Uri> Webhooks { get; init; } = [];
    public int WebhookAttempts { get; init; } = 5;
    /// <summary>First retry delay; doubled per attempt.</summary>
    public TimeSpan WebhookRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public string? SmtpHost { get; init; }
    public int SmtpPort { get; init; } = 25;
    /// <summary>none, starttls or tls.</summary>
    public string SmtpSecurity { get; init; } = "starttls-when-available";
    public string? SmtpUser { get; init; }
    public string? SmtpPassword { get; init; }
    public string SmtpFrom { get; init; } = "homer@localhost";
    public IReadOnlyList<string> SmtpTo { get; init; } = [];
    public int SmtpAttempts { get; init; } = 3;
}

/// <summary>
/// Sends alarm notifications, each in the background with its own retries, so a slow or dead webhook or mail server
/// never holds up the alarm engine. Delivery results are logged and counted.
/// </summary>
public sealed class AlarmNotifier : ReceiveActor
{
    private static readonly HttpClient Http = new();
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(AlarmNotificationSettings settings) => Akka.Actor.Props.Create(() => new AlarmNotifier(settings));

    public AlarmNotifier(AlarmNotificationSettings settings)
    {
        var log = _log;
        Receive<AlarmNotices.AlarmChanged>(alarm =>
        {
            if (alarm.Change is not (AlarmChangeKind.Raised or AlarmChangeKind.Resolved))
                return;
            foreach (var hook in settings.Webhooks)
                _ = PostAsync(hook, alarm, settings, log);
            if (settings.SmtpHost is not null && settings.SmtpTo.Count > 0)
                _ = MailAsync(alarm, settings, log);
        });
    }

    public static object Payload(AlarmNotices.AlarmChanged a) => new
    {
        @event = a.Change.ToText().ToLowerInvariant(),
        alarm = new
        {
            id = a.Id,
            ruleId = a.RuleId,
            ruleType = a.RuleType,
            severity = a.Severity.ToText(),
            state = a.State.ToText(),
            scope = a.Scope,
            message = a.Message,
            count = a.Count,
            firstSeen = DateTimeOffset.UnixEpoch.AddTicks(a.FirstSeenMicros * 10),
            lastSeen = DateTimeOffset.UnixEpoch.AddTicks(a.LastSeenMicros * 10),
            resolvedAt = a.ResolvedAtMicros is { } r ? DateTimeOffset.UnixEpoch.AddTicks(r * 10) : (DateTimeOffset?)null,
            exampleCallIds = a.ExampleCallIds,
        },
    };

    private static async Task PostAsync(Uri hook, AlarmNotices.AlarmChanged alarm, AlarmNotificationSettings settings, ILoggingAdapter log)
    {
        var delay = settings.WebhookRetryDelay;
        for (var attempt = 1; attempt <= settings.WebhookAttempts; attempt++)
        {
            try
            {
                using var cts = new CancellationTokenSource(settings.WebhookTimeout);
                using var response = await Http.PostAsJsonAsync(hook, Payload(alarm), Json, cts.Token);
                if (response.IsSuccessStatusCode)
                {
                    AlarmMetrics.Notified("webhook", "delivered");
                    return;
                }
                log.Warning("Webhook {0} answered {1} for alarm {2} (attempt {3} of {4})", hook, (int)response.StatusCode, alarm.Id, attempt, settings.WebhookAttempts);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                log.Warning("Webhook {0} failed for alarm {1} (attempt {2} of {3}): {4}", hook, alarm.Id, attempt, settings.WebhookAttempts, e.Message);
            }
            if (attempt < settings.WebhookAttempts)
            {
                await Task.Delay(delay);
                delay *= 2;
            }
        }
        AlarmMetrics.Notified("webhook", "failed");
    }

    private static async Task MailAsync(AlarmNotices.AlarmChanged alarm, AlarmNotificationSettings settings, ILoggingAdapter log)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.SmtpFrom));
        foreach (var to in settings.SmtpTo)
            message.To.Add(MailboxAddress.Parse(to));
        message.Subject = $"[HOMER {alarm.Severity.ToText()}] {alarm.Change.ToText().ToLowerInvariant()}: {alarm.RuleType} {alarm.Scope}";
        message.Body = new TextPart("plain")
        {
            Text = $"""
                {alarm.Message}

                Rule type:  {alarm.RuleType}
                Severity:   {alarm.Severity.ToText()}
                State:      {alarm.State.ToText()}
                Scope:      {alarm.Scope}
                Count:      {alarm.Count}
                First seen: {DateTimeOffset.UnixEpoch.AddTicks(alarm.FirstSeenMicros * 10):u}
                Last seen:  {DateTimeOffset.UnixEpoch.AddTicks(alarm.LastSeenMicros * 10):u}
                Example Call-IDs:
                {string.Join("\n", alarm.ExampleCallIds.Select(c => "  " + c))}
                """,
        };
        var security = settings.SmtpSecurity switch
        {
            "none" => SecureSocketOptions.None,
            "starttls" => SecureSocketOptions.StartTls,
            "tls" => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        };
        for (var attempt = 1; attempt <= settings.SmtpAttempts; attempt++)
        {
            try
            {
                using var client = new SmtpClient { Timeout = 10_000 };
                await client.ConnectAsync(settings.SmtpHost!, settings.SmtpPort, security);
                if (settings.SmtpUser is not null)
                    await client.AuthenticateAsync(settings.SmtpUser, settings.SmtpPassword ?? "");
                await client.SendAsync(message);
                await client.DisconnectAsync(true);
                AlarmMetrics.Notified("email", "delivered");
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                log.Warning("E-mail for alarm {0} failed (attempt {1} of {2}): {3}", alarm.Id, attempt, settings.SmtpAttempts, e.Message);
                if (attempt < settings.SmtpAttempts)
                    await Task.Delay(TimeSpan.FromSeconds(attempt * 2));
            }
        }
        AlarmMetrics.Notified("email", "failed");
    }
}
