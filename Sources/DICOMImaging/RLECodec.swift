import Foundation

/// RLE Lossless (PS3.5 Annex G): each frame is up to 15 segments, one per byte plane of each sample (most
/// significant byte first), each PackBits-compressed.
public enum RLECodec {
    /// Decodes one frame to native little-endian bytes, samples interleaved (Planar Configuration 0).
    public static func decode(_ frame: Data, _ d: PixelDescription) throws -> Data {
        let bytes = [UInt8](frame)
        guard bytes.count >= 64 else { throw PixelError.corrupt("RLE header shorter than 64 bytes") }
        func u32(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        let segments = u32(0)
        let planes = d.bytesPerSample
        guard segments == planes * d.samplesPerPixel, segments <= 15 else {
            throw PixelError.corrupt("RLE frame has \(segments) segments, expected \(planes * d.samplesPerPixel)")
        }
        let offsets = (0..<segments).map { u32(4 + $0 * 4) }
        let pixels = d.rows * d.columns
        let stride = d.samplesPerPixel * planes
        var out = Data(count: pixels * stride)
        try out.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
            try bytes.withUnsafeBufferPointer { src in
                for s in 0..<segments {
                    let start = offsets[s]
                    let end = s + 1 < segments ? offsets[s + 1] : src.count
                    guard start >= 64, start <= end, end <= src.count else { throw PixelError.corrupt("RLE segment \(s) offset \(start)") }
                    let sample = s / planes
                    let plane = planes - 1 - s % planes  // segment 0 is the most significant byte
                    // Byte k of this segment belongs to pixel k, sample `sample`, byte `plane` (little endian).
                    var o = sample * planes + plane
                    let limit = pixels * stride
                    var i = start
                    while i < end, o < limit {
                        let n = Int(Int8(bitPattern: src[i]))
                        i += 1
                        if n >= 0 {
                            let count = n + 1
                            guard i + count <= end else { throw PixelError.corrupt("RLE literal run past segment \(s) end") }
                            for k in 0..<count where o < limit {
                                dst[o] = src[i + k]
                                o += stride
                            }
                            i += count
                        } else if n > -128 {
                            guard i < end else { throw PixelError.corrupt("RLE replicate run past segment \(s) end") }
                            let value = src[i]
                            for _ in 0..<(1 - n) where o < limit {
                                dst[o] = value
                                o += stride
                            }
                            i += 1
                        }
                    }
                    let written = (o - (sample * planes + plane)) / stride
                    if written < pixels { throw PixelError.corrupt("RLE segment \(s) decodes to \(written) of \(pixels) bytes") }
                }
            }
        }
        return out
    }

    /// Encodes one native little-endian frame (samples interleaved, or planar when Planar Configuration is 1).
    public static func encode(_ frame: Data, _ d: PixelDescription) throws -> Data {
        guard d.bitsAllocated % 8 == 0 else { throw PixelError.unsupported("RLE of \(d.bitsAllocated)-bit pixels") }
        let bytes = [UInt8](frame)
        let planes = d.bytesPerSample
        let pixels = d.rows * d.columns
        guard bytes.count >= pixels * d.samplesPerPixel * planes else { throw PixelError.corrupt("frame shorter than its description") }
        let segments = d.samplesPerPixel * planes
        guard segments <= 15 else { throw PixelError.unsupported("RLE of \(segments) byte planes") }
        var body: [UInt8] = []
        body.reserveCapacity(bytes.count + bytes.count / 64 + 16)
        var offsets: [Int] = []
        var plane = [UInt8](repeating: 0, count: pixels)
        bytes.withUnsafeBufferPointer { src in
            for s in 0..<segments {
                let sample = s / planes
                let byte = planes - 1 - s % planes
                plane.withUnsafeMutableBufferPointer { dst in
                    if d.planarConfiguration == 1 {
                        let base = sample * pixels * planes + byte
                        for p in 0..<pixels { dst[p] = src[base + p * planes] }
                    } else {
                        let stride = d.samplesPerPixel * planes
                        var index = sample * planes + byte
                        for p in 0..<pixels {
                            dst[p] = src[index]
                            index += stride
                        }
                    }
                }
                offsets.append(64 + body.count)
                plane.withUnsafeBufferPointer { packBits($0, into: &body) }
                if body.count % 2 == 1 { body.append(0) }
            }
        }
        var header = [UInt8](repeating: 0, count: 64)
        func put(_ v: Int, at i: Int) { for k in 0..<4 { header[i + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) } }
        put(segments, at: 0)
        for (n, o) in offsets.enumerated() { put(o, at: 4 + n * 4) }
        var out = Data(capacity: 64 + body.count)
        out.append(contentsOf: header)
        out.append(contentsOf: body)
        return out
    }

    /// PackBits, runs limited to each row as the standard recommends is not required; runs span the whole plane.
    static func packBits(_ input: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var i = 0
        let n = input.count
        while i < n {
            var run = 1
            while i + run < n, run < 128, input[i + run] == input[i] { run += 1 }
            if run >= 2 {
                out.append(UInt8(bitPattern: Int8(1 - run)))
                out.append(input[i])
                i += run
                continue
            }
            var literal = 1
            while i + literal < n, literal < 128 {
                if i + literal + 1 < n, input[i + literal] == input[i + literal + 1] { break }
                literal += 1
            }
            out.append(UInt8(literal - 1))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<(i + literal)]))
            i += literal
        }
    }
}
