import CDICOMZlib
import Foundation

/// Writes Part 10 files and bare datasets in any native syntax and the encapsulated ones. Values are
/// byte-swapped per VR when the target byte order differs from the one they were read in.
public enum DICOMWriter {
    /// Implementation Class UID and version name written into every meta header we produce.
    public static let implementationClassUID = "2.25.208855427416716345234786925430561302531"
    public static let implementationVersionName = "YUNYING_1"

    /// Builds the file meta information for a dataset.
    public static func metaInformation(for dataset: DataSet, syntax: TransferSyntax, sourceAETitle: String? = nil) -> DataSet {
        var meta = DataSet()
        meta.set(Element(tag: .fileMetaInformationVersion, vr: .OB, value: .bytes(Data([0x00, 0x01]))))
        meta.set(.mediaStorageSOPClassUID, .UI, string: dataset.string(.sopClassUID) ?? "")
        meta.set(.mediaStorageSOPInstanceUID, .UI, string: dataset.string(.sopInstanceUID) ?? "")
        meta.set(.transferSyntaxUID, .UI, string: syntax.uid)
        meta.set(.implementationClassUID, .UI, string: implementationClassUID)
        meta.set(.implementationVersionName, .SH, string: implementationVersionName)
        if let ae = sourceAETitle { meta.set(.sourceApplicationEntityTitle, .AE, string: ae) }
        return meta
    }

    /// Encodes a Part 10 file. With `syntax` nil the file keeps its own; the meta header's transfer syntax and
    /// group length are always made to agree with what is written.
    public static func write(_ file: DICOMFile, syntax target: TransferSyntax? = nil) throws -> Data {
        let syntax = target ?? file.transferSyntax
        var meta = file.meta.isEmpty ? metaInformation(for: file.dataset, syntax: syntax) : file.meta
        meta.set(.transferSyntaxUID, .UI, string: syntax.uid)
        if meta[.implementationClassUID] == nil { meta.set(.implementationClassUID, .UI, string: implementationClassUID) }
        meta.remove(.fileMetaInformationGroupLength)
        let metaBody = encode(meta, syntax: .explicitVRLittleEndian)
        var body = encode(file.dataset, syntax: syntax)
        if syntax.deflated { body = try deflate(body) }
        var out = Data(capacity: 144 + metaBody.count + body.count)
        out.append(file.preamble ?? Data(count: 128))
        out.append(contentsOf: Array("DICM".utf8))
        var groupLength = DataSet()
        groupLength.set(.fileMetaInformationGroupLength, .UL, ints: [metaBody.count])
        out.append(encode(groupLength, syntax: .explicitVRLittleEndian))
        out.append(metaBody)
        out.append(body)
        return out
    }

    /// Preamble, "DICM" and the meta group with its group length: what precedes the data set in a Part 10 file.
    /// For a network receiver that appends the data set bytes as they arrive (deflated ones included).
    public static func partTenHeader(meta input: DataSet) -> Data {
        var meta = input
        meta.remove(.fileMetaInformationGroupLength)
        let metaBody = encode(meta, syntax: .explicitVRLittleEndian)
        var out = Data(count: 128)
        out.append(contentsOf: Array("DICM".utf8))
        var groupLength = DataSet()
        groupLength.set(.fileMetaInformationGroupLength, .UL, ints: [metaBody.count])
        out.append(encode(groupLength, syntax: .explicitVRLittleEndian))
        out.append(metaBody)
        return out
    }

    /// Writes a Part 10 file straight to disk: large values (pixel data) go from memory to the file without being
    /// copied into one buffer first. The file is written to a temporary name, flushed with fsync, then renamed, so a
    /// reader never sees half a file.
    public static func write(_ file: DICOMFile, syntax target: TransferSyntax? = nil, to url: URL) throws {
        let syntax = target ?? file.transferSyntax
        if syntax.deflated {
            let data = try write(file, syntax: syntax)
            try data.write(to: url, options: .atomic)
            return
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).part")
        guard let handle = fopen(temporary.path, "wb") else { throw DICOMError.notDICOM(reason: "cannot create \(temporary.path)") }
        var failed = false
        let sink: (Data) -> Void = { chunk in
            guard !failed, !chunk.isEmpty else { return }
            let written = chunk.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
            if written != chunk.count { failed = true }
        }
        var headerFile = file
        headerFile.dataset = DataSet()
        sink(try write(headerFile, syntax: syntax))  // preamble and meta header; an empty dataset adds nothing
        var w = Writer(explicitVR: syntax.explicitVR, littleEndian: syntax.littleEndian, sink: sink)
        w.write(file.dataset)
        sink(w.out)
        let flushed = fflush(handle) == 0 && fsync(fileno(handle)) == 0
        fclose(handle)
        guard !failed, flushed, rename(temporary.path, url.path) == 0 else {
            unlink(temporary.path)
            throw DICOMError.notDICOM(reason: "cannot write \(url.path)")
        }
    }

    /// Encodes a dataset's elements (no meta header).
    public static func encode(_ dataset: DataSet, syntax: TransferSyntax) -> Data {
        var w = Writer(explicitVR: syntax.explicitVR, littleEndian: syntax.littleEndian)
        // Reserve once: growing by doubling would copy a large pixel data element several times.
        w.out.reserveCapacity(dataset.elements.reduce(256) { size, e in
            switch e.value {
            case .bytes(let d): size + d.count + 16
            case .encapsulated(let p): size + p.fragments.reduce(16) { $0 + $1.count + 8 }
            case .sequence: size + 1024
            }
        })
        w.write(dataset)
        return w.out
    }

    static func deflate(_ data: Data) throws -> Data {
        var stream = z_stream()
        guard deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                            Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw DICOMError.inflateFailed(offset: 0, reason: "deflateInit2 failed") }
        defer { deflateEnd(&stream) }
        var input = [UInt8](data)
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            var status: Int32 = Z_OK
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    status = CDICOMZlib.deflate(&stream, Z_FINISH)
                    output.append(outBuf.baseAddress!, count: outBuf.count - Int(stream.avail_out))
                }
            } while status == Z_OK
        }
        return output
    }

    struct Writer {
        let explicitVR: Bool
        let littleEndian: Bool
        var out = Data()
        /// When set, large values bypass `out` and go straight to the sink (a file), after what `out` holds.
        var sink: ((Data) -> Void)?

        mutating func appendValue(_ data: Data) {
            if let sink, data.count >= 1 << 20 {
                sink(out)
                out.removeAll(keepingCapacity: true)
                sink(data)
            } else {
                out.append(data)
            }
        }

        mutating func u16(_ v: UInt16) { withUnsafeBytes(of: littleEndian ? v.littleEndian : v.bigEndian) { out.append(contentsOf: $0) } }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: littleEndian ? v.littleEndian : v.bigEndian) { out.append(contentsOf: $0) } }

        mutating func header(_ tag: Tag, _ vr: VR, _ length: UInt32) {
            u16(tag.group)
            u16(tag.element)
            if explicitVR && tag.group != 0xFFFE {
                let useVR = !vr.hasLongLength && length > 0xFFFF && length != 0xFFFF_FFFF ? VR.UN : vr
                out.append(contentsOf: Array(useVR.rawValue.utf8))
                if useVR.hasLongLength {
                    out.append(contentsOf: [0, 0])
                    u32(length)
                } else {
                    u16(UInt16(length))
                }
            } else {
                u32(length)
            }
        }

        mutating func write(_ ds: DataSet) {
            for e in ds.elements { write(e, sourceLittleEndian: ds.littleEndian) }
        }

        mutating func write(_ e: Element, sourceLittleEndian: Bool) {
            switch e.value {
            case .bytes(var data):
                if sourceLittleEndian != littleEndian, e.vr.swapUnit > 1 { data = swapped(data, unit: e.vr.swapUnit) }
                if data.count % 2 == 1 { data.append(e.vr.paddingByte) }
                header(e.tag, e.vr, UInt32(data.count))
                appendValue(data)
            case .sequence(let items):
                if e.undefinedLength {
                    header(e.tag, .SQ, 0xFFFF_FFFF)
                    for item in items { writeItem(item) }
                    u16(0xFFFE)
                    u16(0xE0DD)
                    u32(0)
                } else {
                    var inner = Writer(explicitVR: explicitVR, littleEndian: littleEndian)
                    for item in items { inner.writeItem(item) }
                    header(e.tag, .SQ, UInt32(inner.out.count))
                    out.append(inner.out)
                }
            case .encapsulated(let pixels):
                header(e.tag, e.vr == .OW ? .OW : .OB, 0xFFFF_FFFF)
                u16(0xFFFE)
                u16(0xE000)
                u32(UInt32(pixels.basicOffsetTable.count * 4))
                for offset in pixels.basicOffsetTable { u32(offset) }
                for fragment in pixels.fragments {
                    u16(0xFFFE)
                    u16(0xE000)
                    u32(UInt32(fragment.count + fragment.count % 2))
                    out.append(fragment)
                    if fragment.count % 2 == 1 { out.append(0) }
                }
                u16(0xFFFE)
                u16(0xE0DD)
                u32(0)
            }
        }

        mutating func writeItem(_ item: DataSet) {
            u16(0xFFFE)
            u16(0xE000)
            if item.undefinedLength {
                u32(0xFFFF_FFFF)
                write(item)
                u16(0xFFFE)
                u16(0xE00D)
                u32(0)
            } else {
                var inner = Writer(explicitVR: explicitVR, littleEndian: littleEndian)
                inner.write(item)
                u32(UInt32(inner.out.count))
                out.append(inner.out)
            }
        }
    }

    /// Reverses the byte order of each `unit`-byte value.
    public static func swapped(_ data: Data, unit: Int) -> Data {
        var bytes = [UInt8](data)
        var i = 0
        while i + unit <= bytes.count {
            bytes[i..<(i + unit)].reverse()
            i += unit
        }
        return Data(bytes)
    }
}

/// UIDs under Yunying's root: the 2.25 arc with a random UUID as one integer (PS3.5 B.2), so no registration
/// is needed and collisions are as unlikely as UUID collisions.
public enum UIDGenerator {
    public static func make() -> String {
        let u = UUID().uuid
        let bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        // 128-bit to decimal by repeated division.
        var digits: [UInt8] = []
        var value = bytes
        while value.contains(where: { $0 != 0 }) {
            var remainder = 0
            for i in 0..<value.count {
                let acc = remainder << 8 | Int(value[i])
                value[i] = UInt8(acc / 10)
                remainder = acc % 10
            }
            digits.append(UInt8(remainder))
        }
        return "2.25." + (digits.isEmpty ? "0" : String(digits.reversed().map { Character(String($0)) }))
    }
}
