namespace Homer.Agent.Capture.Rtp;

/// <summary>
/// The quality figures of one RTP stream (one direction, one 5-tuple), updated packet by packet in arrival order.
/// Pure arithmetic, no I/O: the sequence bookkeeping of RFC 3550 appendix A.1 (extended sequence numbers with
/// wrap-around, MAX_DROPOUT / MAX_MISORDER, a restart after two packets in a row far from the expected number), the
/// interarrival jitter of section 6.4.1 / A.8, plus what the RFC leaves to the monitor: duplicates and late packets
/// (told apart by a 64-packet window of the sequence numbers seen), loss bursts, the largest gap between packets,
/// payload type and SSRC changes. No payload is kept.
/// </summary>
public sealed class RtpStreamStats
{
    private const int MaxDropout = 3000;
    private const int MaxMisorder = 100;
    private const int Window = 64;

    // Sequence state of the current SSRC / sequence run (RFC 3550 A.1).
    private bool _started;
    private ushort _maxSeq;
    private long _cycles;
    private long _baseSeq;
    private int _badSeq = -1;
    /// <summary>Bit i set: sequence number <c>_maxSeq - i</c> arrived. Only the lowest <see cref="_windowValid"/> bits mean anything.</summary>
    private ulong _window;
    private int _windowValid;
    /// <summary>Expected packets of runs that ended (SSRC change, sequence restart), so totals span the whole stream.</summary>
    private long _expectedBefore;

    // Loss bursts, counted as sequence numbers leave the window unreceived (so a late packet inside it is no loss).
    private long _run;

    // Jitter (RFC 3550 A.8), in timestamp units of the current clock rate.
    private bool _haveTransit;
    private long _lastArrivalMicros;
    private uint _lastTimestamp;
    private double _jitterUnits;
    private double _jitterSumMs;
    private long _jitterSamples;

    private long _lastPacketMicros = -1;

    public uint Ssrc { get; private set; }
    public byte PayloadType { get; private set; }
    public int ClockRate { get; private set; }
    public long FirstMicros { get; private set; }
    public long LastMicros { get; private set; }

    /// <summary>Every packet seen, duplicates included (what tshark counts as packets).</summary>
    public long Packets { get; private set; }
    /// <summary>Distinct packets: duplicates are not counted again (late packets are).</summary>
    public long Received { get; private set; }
    public long Duplicates { get; private set; }
    /// <summary>Packets that arrived after a higher sequence number (late or reordered), duplicates not included.</summary>
    public long OutOfOrder { get; private set; }
    public long LossBursts { get; private set; }
    public long MaxBurst { get; private set; }
    /// <summary>Lost packets already counted in <see cref="LossBursts"/> (those that left the reorder window).</summary>
    public long BurstLost { get; private set; }
    public int PayloadTypeChanges { get; private set; }
    public int SsrcChanges { get; private set; }
    /// <summary>Largest gap between two consecutive packets in arrival order, milliseconds.</summary>
    public double MaxDeltaMs { get; private set; }
    public double MaxJitterMs { get; private set; }

    /// <summary>RFC 3550: highest extended sequence number minus the first, plus one; summed over restarts.</summary>
    public long Expected => _expectedBefore + (_started ? _cycles + _maxSeq - _baseSeq + 1 : 0);

    /// <summary>Expected minus distinct packets received; never negative.</summary>
    public long Lost => Math.Max(0, Expected - Received);

    /// <summary>The current RFC 3550 jitter estimate in milliseconds.</summary>
    public double JitterMs => ClockRate > 0 ? _jitterUnits * 1000.0 / ClockRate : 0;

    /// <summary>The mean of the jitter estimate over all packets, milliseconds (what tshark calls mean jitter).</summary>
    public double MeanJitterMs => _jitterSamples == 0 ? 0 : _jitterSumMs / _jitterSamples;

    public double MeanBurst => LossBursts == 0 ? 0 : (double)BurstLost / LossBursts;

    /// <summary>
    /// Takes one packet. <paramref name="clockRate"/> is the payload type's RTP clock (Hz) from the SDP rtpmap or
    /// RFC 3551; 0 when unknown (then no jitter is computed).
    /// </summary>
    public void Add(ushort seq, uint timestamp, uint ssrc, byte payloadType, int clockRate, long arrivalMicros)
    {
        Packets++;
        if (_lastPacketMicros >= 0)
            MaxDeltaMs = Math.Max(MaxDeltaMs, (arrivalMicros - _lastPacketMicros) / 1000.0);
        else
            FirstMicros = arrivalMicros;
        _lastPacketMicros = arrivalMicros;
        LastMicros = arrivalMicros;

        if (Packets == 1)
        {
            Ssrc = ssrc;
            PayloadType = payloadType;
            ClockRate = clockRate;
        }
        else
        {
            if (ssrc != Ssrc)
            {
                // A new source on the same addresses (a re-INVITE, a media server switching streams): its numbers
                // start anew, so the run so far is closed and counted.
                SsrcChanges++;
                Ssrc = ssrc;
                CloseRun();
                _haveTransit = false;
            }

            if (payloadType != PayloadType)
            {
                PayloadTypeChanges++;
                PayloadType = payloadType;
                if (clockRate != ClockRate)
                {
                    // Transit times in another clock are not comparable: the estimate carries on from the next packet.
                    ClockRate = clockRate;
                    _haveTransit = false;
                }
            }
        }

        if (!Sequence(seq))
            return;
        Jitter(timestamp, arrivalMicros);
    }

    /// <summary>RFC 3550 A.1 with a duplicate window; false for a packet that is not counted (duplicate, probation).</summary>
    private bool Sequence(ushort seq)
    {
        if (!_started)
        {
            Start(seq);
            return true;
        }

        var delta = (ushort)(seq - _maxSeq);
        if (delta == 0)
        {
            Duplicates++;
            return false;
        }

        if (delta < MaxDropout)
        {
            // In order, with a permissible gap.
            if (seq < _maxSeq) _cycles += 65_536;
            Shift(delta);
            _maxSeq = seq;
            _window |= 1;
            Received++;
            _badSeq = -1;
            return true;
        }

        if (delta <= 65_536 - MaxMisorder)
        {
            // A very large jump: the sender restarted its numbers, or this is a stray. Two in a row restart the run.
            if (seq == _badSeq)
            {
                CloseRun();
                Start(seq);
                return true;
            }

            _badSeq = (ushort)(seq + 1);
            Packets--; // not part of this stream's numbering (yet); the next one decides
            return false;
        }

        // Behind the highest number: late or repeated.
        var back = (ushort)(_maxSeq - seq);
        if (back < _windowValid)
        {
            var bit = 1UL << back;
            if ((_window & bit) != 0)
            {
                Duplicates++;
                return false;
            }

            _window |= bit;
        }
        else if (_cycles + _maxSeq - back < _baseSeq)
        {
            // Older than the first packet of the run: the run starts earlier than we thought.
            _baseSeq = _cycles + _maxSeq - back;
        }

        OutOfOrder++;
        Received++;
        return true;
    }

    private void Start(ushort seq)
    {
        _started = true;
        _maxSeq = seq;
        _cycles = 0;
        _baseSeq = seq;
        _badSeq = -1;
        _window = 1;
        _windowValid = 1;
        _run = 0;
        Received++;
    }

    /// <summary>The window moves <paramref name="by"/> numbers up; numbers leaving it unreceived are lost for good.</summary>
    private void Shift(int by)
    {
        var overflow = _windowValid + by - Window;
        if (overflow > 0)
        {
            // Leaving, oldest first: the valid bits at the top of the old window, then (after a jump beyond the
            // window) the numbers between the old top and the new one that never fitted in it, all missing.
            var oldLeaving = Math.Min(overflow, _windowValid);
            for (var i = _windowValid - 1; i >= _windowValid - oldLeaving; i--)
                Leave(((_window >> i) & 1) != 0);
            var neverIn = overflow - oldLeaving;
            _run += neverIn;
            BurstLost += neverIn;
        }

        _window = by >= Window ? 0 : _window << by;
        _windowValid = Math.Min(Window, _windowValid + by);
    }

    private void Leave(bool received)
    {
        if (!received)
        {
            _run++;
            BurstLost++;
            return;
        }

        EndBurst();
    }

    private void EndBurst()
    {
        if (_run == 0) return;
        LossBursts++;
        MaxBurst = Math.Max(MaxBurst, _run);
        _run = 0;
    }

    /// <summary>Settles the window (every number still in it is now known received or lost) and keeps the run's expected count.</summary>
    private void CloseRun()
    {
        if (!_started) return;
        for (var i = _windowValid - 1; i >= 0; i--)
            Leave(((_window >> i) & 1) != 0);
        EndBurst();
        _expectedBefore += _cycles + _maxSeq - _baseSeq + 1;
        _started = false;
        _window = 0;
        _windowValid = 0;
    }

    /// <summary>The stream ended: losses still in the window are settled into bursts. <see cref="Expected"/> stays.</summary>
    public void Finish() => CloseRun();

    private void Jitter(uint timestamp, long arrivalMicros)
    {
        if (ClockRate <= 0)
            return;
        if (_haveTransit)
        {
            // D(i,j) = (Rj - Ri) - (Sj - Si) in timestamp units; the int cast keeps timestamp wrap-around right.
            var arrivalUnits = (arrivalMicros - _lastArrivalMicros) * (double)ClockRate / 1_000_000.0;
            var d = Math.Abs(arrivalUnits - (int)(timestamp - _lastTimestamp));
            _jitterUnits += (d - _jitterUnits) / 16.0;
            var ms = JitterMs;
            MaxJitterMs = Math.Max(MaxJitterMs, ms);
            _jitterSumMs += ms;
            _jitterSamples++;
        }

        _haveTransit = true;
        _lastArrivalMicros = arrivalMicros;
        _lastTimestamp = timestamp;
    }
}
