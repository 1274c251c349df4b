import CDICOMZlib
import Foundation

/// Writes a ZIP archive (APPNOTE 6.3) as a stream of chunks: each entry stored as is (DICOM pixel data and JPEG
/// do not shrink under deflate, and storing keeps the export as fast as reading the files), names in UTF-8
/// (general purpose flag bit 11, so Chinese series descriptions survive), ZIP64 records only when an offset, size
/// or the entry count outgrows the classic fields.
public struct ZipWriter: Sendable {
    struct Central {
        var name: Data
        var crc: UInt32
        var size: UInt64
        var offset: UInt64
        var time: UInt16
        var date: UInt16
    }

    private var entries: [Central] = []
    private var written: UInt64 = 0
    private let time: UInt16
    private let date: UInt16

    public init(date now: Date = Date()) {
        // MS-DOS date and time, local time of the server (what unzip shows).
        var t = time_t(now.timeIntervalSince1970)
        var parts = tm()
        localtime_r(&t, &parts)
        time = UInt16(parts.tm_hour << 11 | parts.tm_min << 5 | parts.tm_sec / 2)
        date = UInt16(max(0, Int(parts.tm_year) - 80) << 9 | Int(parts.tm_mon + 1) << 5 | Int(parts.tm_mday))
    }

    /// Bytes written so far.
    public var size: UInt64 { written }
    public var count: Int { entries.count }

    /// The local header, the data and nothing else (sizes and CRC are known, so no data descriptor).
    public mutating func entry(name: String, data: Data) -> Data {
        let nameBytes = Data(name.utf8)
        let crc = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> UInt32 in
            var value = crc32(0, nil, 0)
            var offset = 0
            while offset < raw.count {  // zlib's length is a uInt: feed at most 1 GiB at a time
                let n = min(raw.count - offset, 1 << 30)
                value = crc32(value, raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self), uInt(n))
                offset += n
            }
            return UInt32(value)
        }
        let size = UInt64(data.count)
        let large = size >= 0xFFFF_FFFF
        var out = Data(capacity: 30 + nameBytes.count + 20 + data.count)
        put32(&out, 0x0403_4B50)
        put16(&out, large ? 45 : 20)  // version needed to extract
        put16(&out, 1 << 11)  // UTF-8 names
        put16(&out, 0)  // stored
        put16(&out, time)
        put16(&out, date)
        put32(&out, crc)
        put32(&out, large ? 0xFFFF_FFFF : UInt32(size))
        put32(&out, large ? 0xFFFF_FFFF : UInt32(size))
        put16(&out, UInt16(nameBytes.count))
        put16(&out, large ? 20 : 0)
        out.append(nameBytes)
        if large {
            put16(&out, 0x0001)
            put16(&out, 16)
            put64(&out, size)
            put64(&out, size)
        }
        entries.append(Central(name: nameBytes, crc: crc, size: size, offset: written, time: time, date: date))
        written += UInt64(out.count) + size
        out.append(data)
        return out
    }

    /// The central directory and end records; the archive is complete after these bytes.
    public mutating func finish() -> Data {
        var out = Data()
        let start = written
        for e in entries {
            let largeSize = e.size >= 0xFFFF_FFFF, largeOffset = e.offset >= 0xFFFF_FFFF
            var extra = Data()
            if largeSize || largeOffset {
                var fields = Data()
                if largeSize { put64(&fields, e.size); put64(&fields, e.size) }
                if largeOffset { put64(&fields, e.offset) }
                put16(&extra, 0x0001)
                put16(&extra, UInt16(fields.count))
                extra.append(fields)
            }
            put32(&out, 0x0201_4B50)
            put16(&out, 3 << 8 | 45)  // made by: Unix, spec 4.5
            put16(&out, extra.isEmpty ? 20 : 45)
            put16(&out, 1 << 11)
            put16(&out, 0)
            put16(&out, e.time)
            put16(&out, e.date)
            put32(&out, e.crc)
            put32(&out, largeSize ? 0xFFFF_FFFF : UInt32(e.size))
            put32(&out, largeSize ? 0xFFFF_FFFF : UInt32(e.size))
            put16(&out, UInt16(e.name.count))
            put16(&out, UInt16(extra.count))
            put16(&out, 0)  // comment
            put16(&out, 0)  // disk
            put16(&out, 0)  // internal attributes
            put32(&out, 0o100644 << 16)  // external: a regular file, rw-r--r--
            put32(&out, largeOffset ? 0xFFFF_FFFF : UInt32(e.offset))
            out.append(e.name)
            out.append(extra)
        }
        let directorySize = UInt64(out.count)
        let needs64 = entries.count >= 0xFFFF || start >= 0xFFFF_FFFF || directorySize >= 0xFFFF_FFFF
        if needs64 {
            let record = start + directorySize
            put32(&out, 0x0606_4B50)
            put64(&out, 44)
            put16(&out, 3 << 8 | 45)
            put16(&out, 45)
            put32(&out, 0)
            put32(&out, 0)
            put64(&out, UInt64(entries.count))
            put64(&out, UInt64(entries.count))
            put64(&out, directorySize)
            put64(&out, start)
            put32(&out, 0x0706_4B50)  // locator
            put32(&out, 0)
            put64(&out, record)
            put32(&out, 1)
        }
        put32(&out, 0x0605_4B50)
        put16(&out, 0)
        put16(&out, 0)
        put16(&out, needs64 ? 0xFFFF : UInt16(entries.count))
        put16(&out, needs64 ? 0xFFFF : UInt16(entries.count))
        put32(&out, needs64 ? 0xFFFF_FFFF : UInt32(directorySize))
        put32(&out, needs64 ? 0xFFFF_FFFF : UInt32(start))
        put16(&out, 0)
        written += UInt64(out.count)
        return out
    }

    private func put16(_ d: inout Data, _ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    private func put32(_ d: inout Data, _ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    private func put64(_ d: inout Data, _ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
}
