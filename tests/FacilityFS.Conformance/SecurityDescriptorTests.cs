using System.Buffers.Binary;
using FacilityFS.WinFsp;

namespace FacilityFS.Conformance;

/// <summary>The fixed descriptor every file shows is a well-formed self-relative SECURITY_DESCRIPTOR with the owner and DACL it promises.</summary>
public sealed class SecurityDescriptorTests
{
    [Fact]
    public void The_descriptor_is_self_relative_with_owner_group_and_a_dacl_of_four_aces()
    {
        var owner = SecurityDescriptor.Sid(5, 21, 1, 2, 3, 1001);
        var bytes = SecurityDescriptor.For(owner);
        Assert.Equal(1, bytes[0]);
        var control = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(2));
        Assert.Equal(0x8000, control & 0x8000); // SE_SELF_RELATIVE
        Assert.Equal(0x0004, control & 0x0004); // SE_DACL_PRESENT
        var ownerAt = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4));
        Assert.Equal(owner, bytes.AsSpan(ownerAt, owner.Length).ToArray());
        var groupAt = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        Assert.Equal(SecurityDescriptor.AdministratorsSid, bytes.AsSpan(groupAt, 16).ToArray());
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)));
        var daclAt = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16));
        var aclSize = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(daclAt + 2));
        Assert.Equal(bytes.Length, daclAt + aclSize);
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(daclAt + 4)));
        // The ACEs fill the ACL exactly: each says its own size.
        var at = daclAt + 8;
        for (var i = 0; i < 4; i++) at += BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at + 2));
        Assert.Equal(bytes.Length, at);
    }

    [Fact]
    public void Sids_have_their_binary_form()
    {
        Assert.Equal([1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], SecurityDescriptor.EveryoneSid);
        Assert.Equal([1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0], SecurityDescriptor.AdministratorsSid);
    }
}
