using System.Runtime.InteropServices;

namespace Homer.Net;

// One copy of the recvmmsg/sendmmsg interop, compiled into both Homer.Actors (HepUdpReceiver) and Homer.Agent
// (UdpHepOutput) as a linked source file (<Compile Include="../Shared/Mmsg.cs" Link="Shared/Mmsg.cs" />): internal
// to each, so neither project references the other and no package is needed for thirty lines of struct layout.

/// <summary>The Linux <c>recvmmsg</c>/<c>sendmmsg</c> calls and the errno values their callers act on.</summary>
internal static class Mmsg
{
    public const int Interrupted = 4;         // EINTR
    public const int BadFileDescriptor = 9;   // EBADF
    public const int WouldBlock = 11;         // EAGAIN
    public const int Fault = 14;              // EFAULT
    public const int InvalidArgument = 22;    // EINVAL
    public const int NoSys = 38;              // ENOSYS
    public const int NotSocket = 88;          // ENOTSOCK
    public const int NoBufferSpace = 105;     // ENOBUFS
    public const int DontWait = 0x40;         // MSG_DONTWAIT

    /// <summary>The struct layouts below are those of 64-bit Linux; elsewhere the callers send or receive one datagram per call.</summary>
    public static bool LayoutSupported { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess
        && Marshal.SizeOf<MMsgHdr>() == 64 && Marshal.SizeOf<IoVec>() == 16;

    [DllImport("libc", SetLastError = true)]
    public static extern int recvmmsg(int fd, nint messages, uint count, int flags, nint timeout);

    [DllImport("libc", SetLastError = true)]
    public static extern int sendmmsg(int fd, nint messages, uint count, int flags);
}

/// <summary>
/// The <c>mmsghdr</c> array of a batch and one <c>iovec</c> per message, both pinned and wired to each other once, so
/// a call costs no marshalling. The caller points each <c>iovec</c> at its data (and each name at its room, to receive).
/// </summary>
internal sealed class MmsgVectors
{
    public readonly IoVec[] Iov;
    public readonly MMsgHdr[] Messages;
    private readonly nint _messagesAddress;

    public MmsgVectors(int slots)
    {
        Iov = GC.AllocateArray<IoVec>(slots, pinned: true);
        Messages = GC.AllocateArray<MMsgHdr>(slots, pinned: true);
        _messagesAddress = Marshal.UnsafeAddrOfPinnedArrayElement(Messages, 0);
        var iov = Marshal.UnsafeAddrOfPinnedArrayElement(Iov, 0);
        for (var i = 0; i < slots; i++)
        {
            Messages[i].Header.Iov = iov + i * Marshal.SizeOf<IoVec>();
            Messages[i].Header.IovLength = 1;
        }
    }

    /// <summary>The address of message <paramref name="index"/>, where a call that starts mid-batch begins.</summary>
    public nint MessageAddress(int index) => _messagesAddress + index * Marshal.SizeOf<MMsgHdr>();
}

[StructLayout(LayoutKind.Sequential)]
internal struct IoVec
{
    public nint Base;
    public nuint Length;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MsgHdr
{
    public nint Name;
    public uint NameLength;
    public nint Iov;
    public nuint IovLength;
    public nint Control;
    public nuint ControlLength;
    public int Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MMsgHdr
{
    public MsgHdr Header;
    public uint Length;
}
