using System.Buffers.Binary;

namespace FacilityFS.WinFsp;

/// <summary>The one self-relative security descriptor every file and folder of the mount shows: owned by the mounting user, full access for that user, SYSTEM and Administrators, read and execute for Everyone.</summary>
/// <remarks>
/// WebDAV keeps no ACLs and the server decides what is allowed, so Windows is told a fixed, permissive descriptor; what the server refuses
/// comes back as STATUS_ACCESS_DENIED from the operation itself. Built by hand (the binary layout of SECURITY_DESCRIPTOR_RELATIVE, ACL,
/// ACCESS_ALLOWED_ACE and SID) so that the same bytes are produced, and tested, on Linux.
/// </remarks>
public static class SecurityDescriptor
{
    private const ushort SelfRelative = 0x8000;
    private const ushort DaclPresent = 0x0004;
    private const ushort DaclProtected = 0x1000;
    private const uint FileAllAccess = 0x001F01FF;
    private const uint FileGenericReadExecute = 0x001200A9;

    /// <summary>S-1-5-18, LocalSystem.</summary>
    public static readonly byte[] SystemSid = Sid(5, 18);

    /// <summary>S-1-5-32-544, the Administrators group.</summary>
    public static readonly byte[] AdministratorsSid = Sid(5, 32, 544);

    /// <summary>S-1-1-0, Everyone.</summary>
    public static readonly byte[] EveryoneSid = Sid(1, 0);

    /// <summary>The descriptor for a volume mounted by the user whose SID (binary form) is <paramref name="owner"/>.</summary>
    public static byte[] For(byte[] owner)
    {
        (byte[] Sid, uint Mask)[] aces = [(owner, FileAllAccess), (SystemSid, FileAllAccess), (AdministratorsSid, FileAllAccess), (EveryoneSid, FileGenericReadExecute)];
        var aclSize = 8 + aces.Sum(a => 8 + a.Sid.Length);
        const int header = 20;
        var ownerAt = header;
        var groupAt = ownerAt + owner.Length;
        var daclAt = groupAt + AdministratorsSid.Length;
        var descriptor = new byte[daclAt + aclSize];
        descriptor[0] = 1; // revision
        BinaryPrimitives.WriteUInt16LittleEndian(descriptor.AsSpan(2), SelfRelative | DaclPresent | DaclProtected);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(4), (uint)ownerAt);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(8), (uint)groupAt);
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(12), 0); // no SACL
        BinaryPrimitives.WriteUInt32LittleEndian(descriptor.AsSpan(16), (uint)daclAt);
        owner.CopyTo(descriptor, ownerAt);
        AdministratorsSid.CopyTo(descriptor, groupAt);
        var acl = descriptor.AsSpan(daclAt);
        acl[0] = 2; // ACL_REVISION
        BinaryPrimitives.WriteUInt16LittleEndian(acl[2..], (ushort)aclSize);
        BinaryPrimitives.WriteUInt16LittleEndian(acl[4..], (ushort)aces.Length);
        var at = 8;
        foreach (var (sid, mask) in aces)
        {
            acl[at] = 0; // ACCESS_ALLOWED_ACE_TYPE
            acl[at + 1] = 0; // no inheritance flags: every node answers with its own copy
            BinaryPrimitives.WriteUInt16LittleEndian(acl[(at + 2)..], (ushort)(8 + sid.Length));
            BinaryPrimitives.WriteUInt32LittleEndian(acl[(at + 4)..], mask);
            sid.CopyTo(acl[(at + 8)..]);
            at += 8 + sid.Length;
        }
        return descriptor;
    }

    /// <summary>A SID in binary form: revision 1, the identifier authority, then its sub-authorities.</summary>
    public static byte[] Sid(byte authority, params uint[] subAuthorities)
    {
        var sid = new byte[8 + 4 * subAuthorities.Length];
        sid[0] = 1;
        sid[1] = (byte)subAuthorities.Length;
        sid[7] = authority; // the 6-byte authority is big-endian
        for (var i = 0; i < subAuthorities.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(sid.AsSpan(8 + 4 * i), subAuthorities[i]);
        return sid;
    }
}
