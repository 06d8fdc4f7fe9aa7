namespace Homer.Agent.Capture.Rtp;

/// <summary>
/// An estimated MOS from what a passive probe sees of one stream: a simplified ITU-T G.107 E-model.
/// <list type="bullet">
/// <item>R = 93.2 − Id − Ie,eff: G.107's default R0 − Is (93.2), with no echo or other impairment known.</item>
/// <item>Id from the delay d as Cole and Rosenbluth simplified it ("Voice over IP performance monitoring", 2001):
/// Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3). A capture point cannot see the one-way delay, so d is their
/// "effective latency" without the network part: d = 2·jitter + 10 ms (a jitter buffer of twice the jitter plus
/// codec processing).</item>
/// <item>Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl/BurstR + Bpl) (G.107 since 2005), with the codec's Ie and Bpl from
/// G.113 Appendix I (G.711 with packet loss concealment: 0 and 25.1; G.729A: 11 and 19.0; G.723.1 6.3k: 15 and 16.1;
/// GSM-FR: 20 and 10; other codecs are treated as G.711) and BurstR = mean burst length × (1 − Ppl/100), at least 1
/// (the ratio of the observed burst length to that of random loss at the same rate).</item>
/// <item>MOS = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R), 1 below R = 0 and 4.5 above R = 100 (G.107 Annex B).</item>
/// </list>
/// Without loss or jitter a G.711 stream scores R 93.0, MOS 4.40, the usual ceiling of narrowband probes.
/// </summary>
public static class EModel
{
    public const string Description = "simplified ITU-T G.107: R = 93.2 - Id - Ie,eff; Id per Cole-Rosenbluth with d = 2*jitter + 10 ms; "
        + "Ie,eff with G.113 Appendix I Ie/Bpl and BurstR from the observed bursts";

    public static (double Ie, double Bpl) Codec(string? name) => name?.ToUpperInvariant() switch
    {
        "G729" or "G729A" or "G729AB" => (11, 19.0),
        "G723" or "G7231" => (15, 16.1),
        "GSM" => (20, 10),
        _ => (0, 25.1),
    };

    public static double RFactor(double lossPct, double meanBurst, double jitterMs, string? codec)
    {
        var d = 2 * jitterMs + 10;
        var id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
        var (ie, bpl) = Codec(codec);
        var ppl = Math.Clamp(lossPct, 0, 100);
        var burstR = Math.Max(1, meanBurst * (1 - ppl / 100));
        var ieEff = ie + (95 - ie) * ppl / (ppl / burstR + bpl);
        return 93.2 - id - ieEff;
    }

    public static double Mos(double r) => r <= 0 ? 1 : r >= 100 ? 4.5 : 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}
