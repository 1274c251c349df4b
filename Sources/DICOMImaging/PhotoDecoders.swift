import CDICOMZlib
import Foundation

/// An 8-bit picture from a non-DICOM file (photo, scan), grey or RGB, for conversion to Secondary Capture (DCM-08).
public struct DecodedPicture: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 (grey) or 3 (RGB, interleaved).
    public var channels: Int
    public var pixels: Data

    public init(width: Int, height: Int, channels: Int, pixels: Data) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

public enum PictureFormat: String, Sendable {
    case jpeg, png, bmp, pdf

    /// From the first bytes (never from the file name: uploads lie).
    public static func sniff(_ data: Data) -> PictureFormat? {
        let b = [UInt8](data.prefix(8))
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return .jpeg }
        if b.count >= 8, b == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        if b.count >= 2, b[0] == 0x42, b[1] == 0x4D { return .bmp }
        if b.count >= 5, b[0..<5] == [0x25, 0x50, 0x44, 0x46, 0x2D] { return .pdf }  // %PDF-
        return nil
    }
}

public enum PhotoDecoders {
    /// Largest picture converted: 100 megapixels (a 10,000 × 10,000 scan). Sizes come from headers a client wrote,
    /// so nothing is allocated before this check.
    public static let maxPixels = 100_000_000

    static func checkSize(_ width: Int, _ height: Int) throws {
        guard width > 0, height > 0, width <= 65_535, height <= 65_535, width * height <= maxPixels else {
            throw PixelError.unsupported("picture of \(width)×\(height) pixels (at most \(maxPixels / 1_000_000) megapixels)")
        }
    }

    /// Size, components and whether the JPEG is baseline/extended sequential (storable as DICOM JPEG Baseline as is).
    /// `photometric` is what the codestream kept as is must be labelled (RGB, YBR_FULL or YBR_FULL_422).
    public static func jpegHeader(_ data: Data) throws
        -> (width: Int, height: Int, components: Int, precision: Int, sequential: Bool, photometric: String)
    {
        let frame = try JPEGCodec.frameHeader([UInt8](data))
        guard frame.components == 1 || frame.components == 3 else { throw PixelError.corrupt("JPEG components not usable") }
        try checkSize(frame.width, frame.height)
        return (frame.width, frame.height, frame.components, frame.precision, frame.process == 0xC0 || frame.process == 0xC1,
                frame.photometricInterpretation)
    }

    /// PNG (RFC 2083): greyscale, RGB, palette, with or without alpha (dropped), 8 or 16 bits (16 → 8), not interlaced.
    public static func png(_ data: Data) throws -> DecodedPicture {
        let b = [UInt8](data)
        guard b.count > 33, PictureFormat.sniff(data) == .png else { throw PixelError.corrupt("not a PNG file") }
        var i = 8
        var width = 0, height = 0, depth = 0, colour = 0, interlace = 0
        var palette: [UInt8] = []
        var compressed = Data()
        func u32(_ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
        while i + 8 <= b.count {
            let length = u32(i)
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            let start = i + 8
            guard length >= 0, start + length + 4 <= b.count else { throw PixelError.corrupt("PNG chunk \(type) runs past the end") }
            switch type {
            case "IHDR":
                guard length == 13 else { throw PixelError.corrupt("PNG header chunk of \(length) bytes") }
                width = u32(start); height = u32(start + 4); depth = Int(b[start + 8]); colour = Int(b[start + 9]); interlace = Int(b[start + 12])
            case "PLTE": palette = Array(b[start..<(start + length)])
            case "IDAT": compressed.append(contentsOf: b[start..<(start + length)])
            default: break
            }
            if type == "IEND" { break }
            i = start + length + 4
        }
        try checkSize(width, height)
        guard interlace == 0 else { throw PixelError.unsupported("interlaced PNG; save it without interlacing") }
        let samplesPerPixel: Int
        switch colour {
        case 0: samplesPerPixel = 1
        case 2: samplesPerPixel = 3
        case 3: samplesPerPixel = 1
        case 4: samplesPerPixel = 2
        case 6: samplesPerPixel = 4
        default: throw PixelError.unsupported("PNG colour type \(colour)")
        }
        guard depth == 8 || depth == 16 || (colour == 3 && depth == 8) else { throw PixelError.unsupported("PNG bit depth \(depth)") }
        let bytesPerPixel = samplesPerPixel * depth / 8
        let stride = width * bytesPerPixel
        guard (stride + 1) * height <= 400 << 20 else { throw PixelError.unsupported("PNG image data over 400 MB") }
        let raw = try inflate(compressed, expected: (stride + 1) * height)
        // Undo the per-row filters (PNG 9.2).
        var out = [UInt8](repeating: 0, count: stride * height)
        var previous = [UInt8](repeating: 0, count: stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            var row = Array(raw[(y * (stride + 1) + 1)..<((y + 1) * (stride + 1))])
            for x in 0..<stride {
                let a = x >= bytesPerPixel ? Int(row[x - bytesPerPixel]) : 0, up = Int(previous[x])
                let c = x >= bytesPerPixel ? Int(previous[x - bytesPerPixel]) : 0
                let add: Int
                switch filter {
                case 0: add = 0
                case 1: add = a
                case 2: add = up
                case 3: add = (a + up) / 2
                case 4:
                    let p = a + up - c, pa = abs(p - a), pb = abs(p - up), pc = abs(p - c)
                    add = pa <= pb && pa <= pc ? a : (pb <= pc ? up : c)
                default: throw PixelError.corrupt("PNG row filter \(filter)")
                }
                row[x] = UInt8(truncatingIfNeeded: Int(row[x]) + add)
            }
            out.replaceSubrange((y * stride)..<((y + 1) * stride), with: row)
            previous = row
        }
        // To 8-bit grey or RGB: 16-bit keeps its high byte, alpha is dropped, palette entries are looked up.
        let channels = colour == 0 || colour == 4 ? 1 : 3
        var pixels = Data(count: width * height * channels)
        let step = depth / 8
        pixels.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
            for p in 0..<(width * height) {
                let src = p * bytesPerPixel
                switch colour {
                case 3:
                    let index = Int(out[src]) * 3
                    for c in 0..<3 { dst[p * 3 + c] = index + c < palette.count ? palette[index + c] : 0 }
                case 0, 4: dst[p] = out[src]
                default: for c in 0..<3 { dst[p * 3 + c] = out[src + c * step] }
                }
            }
        }
        return DecodedPicture(width: width, height: height, channels: channels, pixels: pixels)
    }

    static func inflate(_ data: Data, expected: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: expected)
        var length = uLongf(expected)
        let rc = data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                uncompress(dst.bindMemory(to: Bytef.self).baseAddress, &length, src.bindMemory(to: Bytef.self).baseAddress, uLong(data.count))
            }
        }
        guard rc == Z_OK, Int(length) == expected else { throw PixelError.corrupt("PNG image data does not inflate to \(expected) bytes") }
        return out
    }

    /// BMP: uncompressed 24- and 32-bit colour, 8-bit palette; bottom-up or top-down rows.
    public static func bmp(_ data: Data) throws -> DecodedPicture {
        let b = [UInt8](data)
        guard b.count > 54, b[0] == 0x42, b[1] == 0x4D else { throw PixelError.corrupt("not a BMP file") }
        func u16(_ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        func i32(_ at: Int) -> Int { Int(Int32(bitPattern: UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)) }
        let offset = i32(10), headerSize = i32(14), width = i32(18), rawHeight = i32(22), bits = u16(28), compression = i32(30)
        guard rawHeight != Int(Int32.min) else { throw PixelError.corrupt("BMP height not usable") }
        let height = abs(rawHeight), topDown = rawHeight < 0
        try checkSize(width, height)
        guard offset >= 26, offset <= b.count, headerSize >= 12, 14 + headerSize <= b.count else { throw PixelError.corrupt("BMP header offsets not usable") }
        guard compression == 0 || (compression == 3 && bits == 32) else { throw PixelError.unsupported("compressed BMP") }
        guard [8, 24, 32].contains(bits) else { throw PixelError.unsupported("BMP with \(bits) bits per pixel") }
        let stride = (width * bits / 8 + 3) / 4 * 4
        guard stride * height <= b.count - offset else { throw PixelError.corrupt("BMP pixel data shorter than its size") }
        let paletteStart = 14 + headerSize
        var pixels = Data(count: width * height * 3)
        pixels.withUnsafeMutableBytes { (dst: UnsafeMutableRawBufferPointer) in
            for y in 0..<height {
                let row = offset + (topDown ? y : height - 1 - y) * stride
                for x in 0..<width {
                    var (r, g, bl): (UInt8, UInt8, UInt8)
                    if bits == 8 {
                        let entry = paletteStart + Int(b[row + x]) * 4
                        (bl, g, r) = entry >= 0 && entry + 2 < b.count ? (b[entry], b[entry + 1], b[entry + 2]) : (0, 0, 0)
                    } else {
                        let at = row + x * bits / 8
                        (bl, g, r) = (b[at], b[at + 1], b[at + 2])
                    }
                    let d = (y * width + x) * 3
                    dst[d] = r; dst[d + 1] = g; dst[d + 2] = bl
                }
            }
        }
        return DecodedPicture(width: width, height: height, channels: 3, pixels: pixels)
    }
}
