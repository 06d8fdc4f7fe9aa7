namespace Homer.Agent.Pipe;

/// <summary>Lines from a reader, or from a file that keeps growing (tail -F style: follows rotation by re-opening).</summary>
public static class LineSource
{
    public static async IAsyncEnumerable<string> ReadAsync(TextReader reader,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var line = await reader.ReadLineAsync(token);
            if (line is null) yield break;
            yield return line;
        }
    }

    public static async IAsyncEnumerable<string> FollowAsync(string path, bool fromStart,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken token)
    {
        var first = true;
        var buffer = new byte[1 << 16];
        var pending = new List<byte>();
        while (!token.IsCancellationRequested)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException)
            {
                if (await Delay(token)) yield break;
                continue;
            }

            using (stream)
            {
                if (first && !fromStart) stream.Seek(0, SeekOrigin.End);
                first = false;
                while (!token.IsCancellationRequested)
                {
                    var read = await stream.ReadAsync(buffer, token);
                    if (read == 0)
                    {
                        if (Rotated(path, stream)) break;
                        if (await Delay(token)) yield break;
                        continue;
                    }

                    // A line is handed out only once its newline arrived: writers append in pieces.
                    var start = 0;
                    for (var i = 0; i < read; i++)
                    {
                        if (buffer[i] != (byte)'\n') continue;
                        pending.AddRange(buffer.AsSpan(start, i - start));
                        start = i + 1;
                        var line = System.Text.Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pending)).TrimEnd('\r');
                        pending.Clear();
                        yield return line;
                    }

                    pending.AddRange(buffer.AsSpan(start, read - start));
                }
            }
        }
    }

    private static bool Rotated(string path, FileStream stream)
    {
        try
        {
            var info = new FileInfo(path);
            return !info.Exists || info.Length < stream.Position;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task<bool> Delay(CancellationToken token)
    {
        try
        {
            await Task.Delay(100, token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }
}
