import DICOM
import Foundation

/// Access to the frames of a dataset's pixel data, native or encapsulated.
public struct PixelFrames: Sendable {
    public let description: PixelDescription
    public let syntax: TransferSyntax
    let native: Data?
    let nativeLittleEndian: Bool
    let nativeVR: VR
    let encapsulated: [Data]

    public init(_ file: DICOMFile) throws { try self.init(file.dataset, syntax: file.transferSyntax) }

    public init(_ ds: DataSet, syntax: TransferSyntax) throws {
        description = try PixelDescription(ds)
        self.syntax = syntax
        guard let element = ds[.pixelData] else { throw PixelError.noPixelData }
        nativeLittleEndian = ds.littleEndian
        nativeVR = element.vr
        switch element.value {
        case .bytes(let data):
            native = data
            encapsulated = []
        case .encapsulated(let pixels):
            native = nil
            encapsulated = try Self.splitFrames(pixels, frames: description.numberOfFrames, eot: Self.extendedOffsets(ds))
        case .sequence:
            throw PixelError.corrupt("pixel data is a sequence")
        }
    }

    public var count: Int { native != nil ? description.numberOfFrames : encapsulated.count }

    /// The frame's bytes as stored: native (little endian) or one compressed codestream.
    public func storedFrame(_ index: Int) throws -> Data {
        guard index >= 0, index < count else { throw PixelError.frameOutOfRange(index, count: count) }
        if let native {
            let length = description.frameLength
            if description.bitsAllocated == 1 {
                // Bit-packed frames need not start on byte boundaries; unpack the bits of this frame.
                let bitsPerFrame = description.rows * description.columns * description.samplesPerPixel
                var out = [UInt8](repeating: 0, count: (bitsPerFrame + 7) / 8)
                let bytes = [UInt8](native)
                for i in 0..<bitsPerFrame {
                    let src = index * bitsPerFrame + i
                    guard src / 8 < bytes.count else { throw PixelError.corrupt("pixel data shorter than \(count) frames") }
                    if bytes[src / 8] >> (src % 8) & 1 == 1 { out[i / 8] |= 1 << (i % 8) }
                }
                return Data(out)
            }
            let start = native.startIndex + index * length
            guard start + length <= native.endIndex else { throw PixelError.corrupt("pixel data shorter than \(count) frames") }
            if !nativeLittleEndian {
                // Big endian OW is a stream of 16-bit words even for 8-bit samples; wider samples swap whole.
                let unit = description.bytesPerSample > 2 ? description.bytesPerSample : (nativeVR == .OW ? 2 : description.bytesPerSample)
                if unit > 1 {
                    let alignedStart = start - (start - native.startIndex) % unit
                    let alignedEnd = min(native.endIndex, start + length + (unit - (start + length - native.startIndex) % unit) % unit)
                    let swapped = DICOMWriter.swapped(Data(native[alignedStart..<alignedEnd]), unit: unit)
                    return swapped.subdata(in: (start - alignedStart)..<(start - alignedStart + length))
                }
            }
            return Data(native[start..<(start + length)])
        }
        return encapsulated[index]
    }

    static func extendedOffsets(_ ds: DataSet) -> [(offset: UInt64, length: UInt64)]? {
        guard let offsets = ds[.extendedOffsetTable]?.bytes, let lengths = ds[.extendedOffsetTableLengths]?.bytes,
            offsets.count == lengths.count, offsets.count % 8 == 0
        else { return nil }
        func u64(_ d: Data, _ i: Int) -> UInt64 {
            d.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) }
        }
        return (0..<(offsets.count / 8)).map { (u64(offsets, $0), u64(lengths, $0)) }
    }

    /// Groups fragments into frames: one fragment per frame, the Extended or Basic Offset Table, or — with neither
    /// — the codestream start markers (JPEG SOI, JPEG 2000 SOC / JP2 signature).
    static func splitFrames(_ p: EncapsulatedPixelData, frames: Int, eot: [(offset: UInt64, length: UInt64)]?) throws -> [Data] {
        if p.fragments.isEmpty { throw PixelError.noPixelData }
        if frames <= 1 { return [concat(p.fragments[...])] }
        if p.fragments.count == frames { return p.fragments.map { Data($0) } }
        // Positions of each fragment's item header, measured as offset tables measure them.
        var positions: [UInt64] = []
        var pos: UInt64 = 0
        for f in p.fragments {
            positions.append(pos)
            pos += UInt64(f.count) + 8
        }
        // Offset tables point at the item header of each frame's first fragment.
        func frame(from offset: UInt64, to nextOffset: UInt64?) throws -> Data {
            guard let first = positions.firstIndex(of: offset) else { throw PixelError.corrupt("offset table entry \(offset)") }
            let next = nextOffset.flatMap { positions.firstIndex(of: $0) } ?? p.fragments.count
            return concat(p.fragments[first..<max(first + 1, next)])
        }
        if let eot, eot.count == frames {
            return try eot.enumerated().map { n, entry in
                try frame(from: entry.offset, to: n + 1 < frames ? eot[n + 1].offset : nil).prefix(Int(entry.length))
            }
        }
        if p.basicOffsetTable.count == frames {
            let table = p.basicOffsetTable.map(UInt64.init)
            return try table.enumerated().map { n, offset in try frame(from: offset, to: n + 1 < frames ? table[n + 1] : nil) }
        }
        var result: [Data] = []
        for f in p.fragments {
            let b = [UInt8](f.prefix(8))
            let starts = (b.count >= 2 && b[0] == 0xFF && (b[1] == 0xD8 || b[1] == 0x4F))
                || (b.count >= 8 && b[4] == 0x6A && b[5] == 0x50 && b[6] == 0x20 && b[7] == 0x20)
            if starts || result.isEmpty { result.append(Data(f)) } else { result[result.count - 1].append(f) }
        }
        guard result.count == frames else { throw PixelError.corrupt("cannot tell \(frames) frames apart in \(p.fragments.count) fragments") }
        return result
    }

    static func concat(_ fragments: ArraySlice<Data>) -> Data {
        if fragments.count == 1 { return Data(fragments.first!) }
        var out = Data(capacity: fragments.reduce(0) { $0 + $1.count })
        for f in fragments { out.append(f) }
        return out
    }
}
