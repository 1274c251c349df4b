/// Private data elements by creator (PS3.5 7.8.1): a creator string at (gggg,00xx) reserves elements
/// (gggg,xx00)–(gggg,xxFF). Code names private elements by creator and offset, never by raw tag, because the
/// block a creator gets differs between files.
extension DataSet {
    /// The block (0x10–0xFF) reserved by `creator` in an odd group, if any.
    public func privateBlock(creator: String, group: UInt16) -> UInt16? {
        guard group & 1 == 1 else { return nil }
        for block in UInt16(0x10)...0xFF where string(Tag(group, block)) == creator { return block }
        return nil
    }

    /// The tag of the private element at `offset` in the creator's block, if the creator is present.
    public func privateTag(creator: String, group: UInt16, offset: UInt8) -> Tag? {
        privateBlock(creator: creator, group: group).map { Tag(group, $0 << 8 | UInt16(offset)) }
    }

    /// Finds or reserves the creator's block and returns the tag for `offset` in it; nil when all 240 blocks are taken.
    public mutating func reservePrivateTag(creator: String, group: UInt16, offset: UInt8) -> Tag? {
        guard group & 1 == 1, group > 0x0008 else { return nil }
        if let tag = privateTag(creator: creator, group: group, offset: offset) { return tag }
        for block in UInt16(0x10)...0xFF where self[Tag(group, block)] == nil {
            set(Tag(group, block), .LO, string: creator)
            return Tag(group, block << 8 | UInt16(offset))
        }
        return nil
    }
}
