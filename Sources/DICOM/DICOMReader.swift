import CDICOMZlib
import Foundation

/// Parses Part 10 files and bare datasets in any of the native transfer syntaxes and the encapsulated ones.
/// Every declared length is checked against what remains, so malformed input ends in a `DICOMError` with
/// the offset, never in a crash or an allocation sized by the input.
public enum DICOMReader {
    static let maxDepth = 64
    /// Upper bound for inflated deflate data, against decompression bombs.
    public static let maxInflatedBytes = 1 << 30

    public static func read(_ input: Data) throws -> DICOMFile {
        let data = input.startIndex == 0 ? input : Data(input)  // offsets below are 0-based
        let bytes = [UInt8](data.prefix(136))
        var preamble: Data?
        var metaStart: Int?
        if bytes.count >= 132, bytes[128..<132].elementsEqual("DICM".utf8) {
            preamble = data[0..<128]
            metaStart = 132
        } else if bytes.count >= 4, bytes[0..<4].elementsEqual("DICM".utf8) {
            metaStart = 4
        } else if bytes.count >= 6, bytes[0] == 0x02, bytes[1] == 0x00, VR(byte0: bytes[4], byte1: bytes[5]) != nil {
            metaStart = 0  // meta group without preamble or magic
        }
        guard data.count >= 8 else { throw DICOMError.notDICOM(reason: "only \(data.count) bytes") }

        var meta = DataSet()
        var position = metaStart ?? 0
        if metaStart != nil {
            var parser = Parser(data: data, explicitVR: true, littleEndian: true)
            meta = try parser.parseDataSet(from: &position, end: data.count, depth: 0, stopAtGroupAbove: 0x0002)  // the meta group only
        }
        var syntax: TransferSyntax
        if let uid = meta.string(.transferSyntaxUID), !uid.isEmpty {
            syntax = TransferSyntax.forUID(uid)
        } else {
            syntax = guessSyntax(data, at: position)
        }
        var body = data
        var bodyStart = position
        if syntax.deflated {
            body = try inflate(data, from: position)
            bodyStart = 0
        }
        // Some writers declare explicit VR and write implicit (or the reverse): trust the first element's bytes.
        if body.count >= bodyStart + 6 {
            let looksExplicit = VR(byte0: body[bodyStart + 4], byte1: body[bodyStart + 5]) != nil
            if looksExplicit != syntax.explicitVR, syntax.littleEndian, !syntax.deflated {
                syntax = syntax.encapsulated
                    ? TransferSyntax(uid: syntax.uid, explicitVR: looksExplicit, littleEndian: true, deflated: false, encapsulated: true,
                                     lossy: syntax.lossy, name: syntax.name)
                    : (looksExplicit ? .explicitVRLittleEndian : .implicitVRLittleEndian)
            }
        }
        var parser = Parser(data: body, explicitVR: syntax.explicitVR, littleEndian: syntax.littleEndian)
        var dataset = try parser.parseDataSet(from: &bodyStart, end: body.count, depth: 0, stopAtGroupAbove: nil)
        dataset.littleEndian = syntax.littleEndian
        return DICOMFile(preamble: preamble, meta: meta, dataset: dataset, transferSyntax: syntax, hadMetaHeader: metaStart != nil)
    }

    /// Reads a bare dataset in a known syntax (as DIMSE messages carry them).
    public static func readDataSet(_ input: Data, syntax: TransferSyntax) throws -> DataSet {
        var data = input.startIndex == 0 ? input : Data(input)
        if syntax.deflated { data = try inflate(data, from: 0) }
        var parser = Parser(data: data, explicitVR: syntax.explicitVR, littleEndian: syntax.littleEndian)
        var position = 0
        var ds = try parser.parseDataSet(from: &position, end: data.count, depth: 0, stopAtGroupAbove: nil)
        ds.littleEndian = syntax.littleEndian
        return ds
    }

    /// For input without a meta header: tell the byte order by the first group number and VR presence by
    /// whether bytes 4–5 spell a VR.
    static func guessSyntax(_ data: Data, at p: Int) -> TransferSyntax {
        guard data.count >= p + 6 else { return .implicitVRLittleEndian }
        let explicit = VR(byte0: data[p + 4], byte1: data[p + 5]) != nil
        let groupLE = UInt16(data[p]) | UInt16(data[p + 1]) << 8
        let groupBE = UInt16(data[p]) << 8 | UInt16(data[p + 1])
        if explicit && groupBE < groupLE && groupBE != 0 && groupBE <= 0x0100 { return .explicitVRBigEndian }
        return explicit ? .explicitVRLittleEndian : .implicitVRLittleEndian
    }

    /// Raw deflate (RFC 1951, no zlib header) of everything after the meta header.
    static func inflate(_ data: Data, from offset: Int) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMError.inflateFailed(offset: offset, reason: "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        var input = [UInt8](data[offset...])
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            repeat {
                try chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = CDICOMZlib.inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw DICOMError.inflateFailed(offset: offset + Int(stream.total_in), reason: "zlib status \(status)")
                    }
                    output.append(outBuf.baseAddress!, count: outBuf.count - Int(stream.avail_out))
                }
                if output.count > maxInflatedBytes {
                    throw DICOMError.inflateFailed(offset: offset, reason: "inflates to more than \(maxInflatedBytes) bytes")
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }  // truncated stream: keep what inflated
            } while status != Z_STREAM_END
        }
        return output
    }

    /// The element-by-element parser. Offsets are 0-based into `data`.
    struct Parser {
        let data: Data
        var explicitVR: Bool
        var littleEndian: Bool
        var bitsAllocated = 16
        var pixelRepresentation = 0

        init(data: Data, explicitVR: Bool, littleEndian: Bool) {
            self.data = data
            self.explicitVR = explicitVR
            self.littleEndian = littleEndian
        }

        func u16(_ p: Int) -> UInt16 {
            let a = UInt16(data[p]), b = UInt16(data[p + 1])
            return littleEndian ? a | b << 8 : a << 8 | b
        }

        func u32(_ p: Int) -> UInt32 {
            let a = UInt32(data[p]), b = UInt32(data[p + 1]), c = UInt32(data[p + 2]), d = UInt32(data[p + 3])
            return littleEndian ? a | b << 8 | c << 16 | d << 24 : a << 24 | b << 16 | c << 8 | d
        }

        /// The VR of an implicit-VR element: the dictionary's, with `US or SS` resolved by Pixel Representation
        /// and `OB or OW` pixel data by Bits Allocated, as PS3.5 Annex A requires.
        func impliedVR(_ tag: Tag) -> VR {
            if tag == .pixelData { return bitsAllocated > 8 ? .OW : .OB }
            guard let entry = DataDictionary.entry(for: tag) else { return .UN }
            if entry.vrs.contains(.SS), entry.vrs.contains(.US) { return pixelRepresentation == 1 ? .SS : .US }
            if entry.vrs.contains(.OW), entry.vrs.contains(.OB) { return bitsAllocated > 8 ? .OW : .OB }
            return entry.vr
        }

        /// An explicit UN for a public attribute the dictionary knows: its bytes are the little-endian encoding of
        /// the known VR, so read it as that (as DCMTK and pydicom do). The length field keeps UN's long form.
        func knownVR(for tag: Tag) -> VR {
            guard let entry = DataDictionary.entry(for: tag), entry.vrs.count == 1, entry.vr != .UN else { return .UN }
            return entry.vr
        }

        func need(_ n: Int, at p: Int, end: Int) throws {
            if p + n > end { throw DICOMError.truncated(offset: p, needed: n, available: max(0, end - p)) }
        }

        /// Parses elements from `position` to `end`, or up to an item delimiter when `inItem`, or (for the meta
        /// header) until an element's group exceeds `stopAtGroupAbove`.
        mutating func parseDataSet(from position: inout Int, end: Int, depth: Int, stopAtGroupAbove: UInt16?,
                                   inUndefinedItem: Bool = false, inherited: SpecificCharacterSet = .default) throws -> DataSet {
            guard depth <= DICOMReader.maxDepth else { throw DICOMError.nestingTooDeep(offset: position) }
            var ds = DataSet()
            ds.littleEndian = littleEndian
            ds.characterSet = inherited
            while position < end {
                if depth == 0, stopAtGroupAbove == nil, end - position < 8 || data[position..<min(end, position + 8)].allSatisfy({ $0 == 0 }) {
                    // Trailing padding or zero fill after the last element, as some devices write.
                    if data[position..<end].allSatisfy({ $0 == 0 }) || end - position < 8 { position = end; break }
                }
                try need(8, at: position, end: end)
                let tag = Tag(u16(position), u16(position + 2))
                if let only = stopAtGroupAbove, tag.group != only { break }
                if tag == .itemDelimitation {
                    position += 8
                    if inUndefinedItem { break }
                    continue  // stray delimiter: skip
                }
                if tag == .sequenceDelimitation {
                    position += 8
                    continue
                }
                let element = try parseElement(at: &position, tag: tag, end: end, depth: depth, charset: ds.characterSet)
                if element.tag == .specificCharacterSet, let raw = element.bytes {
                    ds.characterSet = SpecificCharacterSet(terms: String(decoding: raw, as: UTF8.self).trimmingNulAndSpace
                        .split(separator: "\\", omittingEmptySubsequences: false).map(String.init))
                }
                if element.tag == .bitsAllocated || element.tag == .pixelRepresentation, let raw = element.bytes, raw.count >= 2 {
                    let v = Int(littleEndian ? UInt16(raw[raw.startIndex]) | UInt16(raw[raw.startIndex + 1]) << 8
                                : UInt16(raw[raw.startIndex]) << 8 | UInt16(raw[raw.startIndex + 1]))
                    if element.tag == .bitsAllocated { bitsAllocated = v } else { pixelRepresentation = v }
                }
                ds.appendUnchecked(element)
            }
            ds.sortIfNeeded()
            return ds
        }

        mutating func parseElement(at position: inout Int, tag: Tag, end: Int, depth: Int, charset: SpecificCharacterSet) throws -> Element {
            let start = position
            var vr: VR
            var length: UInt32
            var header: Int
            if explicitVR, let v = VR(byte0: data[position + 4], byte1: data[position + 5]) {
                vr = v == .UN && littleEndian && !tag.isPrivate ? knownVR(for: tag) : v
                if v.hasLongLength {  // the VR as written decides the header layout
                    try need(12, at: position, end: end)
                    length = u32(position + 8)
                    header = 12
                } else {
                    length = UInt32(u16(position + 6))
                    header = 8
                }
            } else if explicitVR, data[position + 4] == 0, data[position + 5] == 0, tag.group != 0x0002 {
                // Explicit syntax with an implicit-encoded element (seen in the wild): read it as implicit.
                vr = DataDictionary.vr(for: tag)
                length = u32(position + 4)
                header = 8
            } else if explicitVR {
                throw DICOMError.invalidVR(offset: position, tag: tag)
            } else {
                vr = tag.isPrivateCreator ? .LO : impliedVR(tag)
                length = u32(position + 4)
                header = 8
            }
            position += header
            if length == 0xFFFF_FFFF {
                if tag == .pixelData || ((vr == .OB || vr == .OW) && tag.group == 0x7FE0) {
                    let fragments = try parseFragments(at: &position, end: end)
                    return Element(tag: tag, vr: vr == .OW && explicitVR ? .OW : .OB, value: .encapsulated(fragments), undefinedLength: true)
                }
                guard vr == .SQ || vr == .UN || !explicitVR else {
                    throw DICOMError.undefinedLengthNotAllowed(offset: start, tag: tag)
                }
                // UN with undefined length holds an implicit VR little endian sequence (PS3.5 6.2.2).
                let saved = (explicitVR, littleEndian)
                if vr == .UN { (explicitVR, littleEndian) = (false, true) }
                defer { (explicitVR, littleEndian) = saved }
                let items = try parseItems(at: &position, end: end, undefined: true, depth: depth, charset: charset)
                return Element(tag: tag, vr: .SQ, value: .sequence(items), undefinedLength: true)
            }
            let count = Int(length)
            guard count <= end - position else {
                throw DICOMError.lengthExceedsData(offset: start, tag: tag, length: count, available: end - position)
            }
            if vr == .SQ {
                let writtenAsUN = explicitVR && data[start + 4] == 0x55 && data[start + 5] == 0x4E
                let saved = (explicitVR, littleEndian)
                if writtenAsUN { (explicitVR, littleEndian) = (false, true) }
                defer { (explicitVR, littleEndian) = saved }
                let items = try parseItems(at: &position, end: position + count, undefined: false, depth: depth, charset: charset)
                return Element(tag: tag, vr: .SQ, value: .sequence(items))
            }
            let value = data[position..<(position + count)]
            position += count
            return Element(tag: tag, vr: vr, value: .bytes(value))
        }

        mutating func parseItems(at position: inout Int, end: Int, undefined: Bool, depth: Int, charset: SpecificCharacterSet) throws -> [DataSet] {
            var items: [DataSet] = []
            while position < end {
                try need(8, at: position, end: end)
                let tag = Tag(u16(position), u16(position + 2))
                let length = u32(position + 4)
                if tag == .sequenceDelimitation {
                    position += 8
                    return items
                }
                guard tag == .item else { throw DICOMError.unexpectedTag(offset: position, tag: tag, expected: "item (FFFE,E000)") }
                position += 8
                var item: DataSet
                if length == 0xFFFF_FFFF {
                    item = try parseDataSet(from: &position, end: end, depth: depth + 1, stopAtGroupAbove: nil, inUndefinedItem: true, inherited: charset)
                    item.undefinedLength = true
                } else {
                    let itemEnd = position + Int(length)
                    guard itemEnd <= end else {
                        throw DICOMError.lengthExceedsData(offset: position - 8, tag: tag, length: Int(length), available: end - position)
                    }
                    item = try parseDataSet(from: &position, end: itemEnd, depth: depth + 1, stopAtGroupAbove: nil, inherited: charset)
                    position = itemEnd
                }
                items.append(item)
            }
            if undefined && position >= end && end == data.count {
                return items  // missing sequence delimiter at end of file: keep what was read
            }
            return items
        }

        /// Encapsulated pixel data: Basic Offset Table item, fragment items, sequence delimiter.
        mutating func parseFragments(at position: inout Int, end: Int) throws -> EncapsulatedPixelData {
            var table: [UInt32] = []
            var fragments: [Data] = []
            var first = true
            while position < end {
                try need(8, at: position, end: end)
                let tag = Tag(u16(position), u16(position + 2))
                let length = Int(u32(position + 4))
                if tag == .sequenceDelimitation {
                    position += 8
                    break
                }
                guard tag == .item else { throw DICOMError.unexpectedTag(offset: position, tag: tag, expected: "fragment item (FFFE,E000)") }
                position += 8
                guard length <= end - position else {
                    throw DICOMError.lengthExceedsData(offset: position - 8, tag: tag, length: length, available: end - position)
                }
                if first {
                    table = (0..<(length / 4)).map { u32(position + $0 * 4) }
                    first = false
                } else {
                    fragments.append(data[position..<(position + length)])
                }
                position += length
            }
            return EncapsulatedPixelData(basicOffsetTable: table, fragments: fragments)
        }
    }
}
