import DICOM
import Foundation

/// An 8-bit image ready for display or encoding: grey (1 channel) or RGB (3 channels, interleaved).
public struct RenderedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// Window centre and width with the VOI LUT function that applies them (PS3.3 C.11.2.1.2).
public struct Window: Sendable, Equatable {
    public enum Function: String, Sendable { case linear = "LINEAR", linearExact = "LINEAR_EXACT", sigmoid = "SIGMOID" }
    public var center: Double
    public var width: Double
    public var function: Function
    public init(center: Double, width: Double, function: Function = .linear) {
        self.center = center
        self.width = width
        self.function = function
    }

    /// Maps a modality value to 0…255.
    @inline(__always)
    public func apply(_ x: Double) -> UInt8 {
        let y: Double
        switch function {
        case .linear:
            let w = max(width, 1)
            if x <= center - 0.5 - (w - 1) / 2 {
                y = 0
            } else if x > center - 0.5 + (w - 1) / 2 {
                y = 255
            } else {
                y = ((x - (center - 0.5)) / (w - 1) + 0.5) * 255
            }
        case .linearExact:
            let w = max(width, Double.ulpOfOne)
            if x <= center - w / 2 { y = 0 } else if x > center + w / 2 { y = 255 } else { y = (x - center) / w * 255 + 127.5 }
        case .sigmoid:
            y = 255 / (1 + exp(-4 * (x - center) / max(width, Double.ulpOfOne)))
        }
        return UInt8(max(0, min(255, y.rounded())))
    }
}

public struct RenderOptions: Sendable {
    public var frame: Int
    /// Overrides the dataset's window; nil uses the first window in the dataset, else the VOI LUT, else min–max.
    public var window: Window?
    public var burnInOverlays: Bool
    public init(frame: Int = 0, window: Window? = nil, burnInOverlays: Bool = false) {
        self.frame = frame
        self.window = window
        self.burnInOverlays = burnInOverlays
    }
}

/// The display pipeline: stored values → Modality LUT → VOI LUT → presentation (MONOCHROME1 inverted), colour
/// models to RGB, overlays burnt in on request.
public enum Renderer {
    public static func render(_ file: DICOMFile, options: RenderOptions = RenderOptions()) throws -> RenderedImage {
        let frames = try PixelFrames(file)
        let d = PixelCodecs.decodedDescription(frames)
        let native = try PixelCodecs.decodeFrame(frames, options.frame)
        let ds = file.dataset
        var image: RenderedImage
        if d.samplesPerPixel == 1 && d.photometricInterpretation != "PALETTE COLOR" {
            image = try grey(native, d, ds, options)
        } else if d.photometricInterpretation == "PALETTE COLOR" {
            image = try palette(native, d, ds)
        } else {
            image = try color(native, d)
        }
        if options.burnInOverlays { burnOverlays(&image, ds, native: native, d, frame: options.frame) }
        return image
    }

    /// Stored values as integers, masked to Bits Stored and sign-extended for signed data.
    static func storedValues(_ native: Data, _ d: PixelDescription) -> [Int32] {
        let count = d.rows * d.columns
        var out = [Int32](repeating: 0, count: count)
        let shift = d.highBit + 1 - d.bitsStored
        let mask = d.bitsStored >= 32 ? Int64(UInt32.max) : (Int64(1) << d.bitsStored) - 1
        native.withUnsafeBytes { raw in
            for i in 0..<count {
                var v: Int64
                switch d.bitsAllocated {
                case 8: v = i < raw.count ? Int64(raw[i]) : 0
                case 16: v = i * 2 + 1 < raw.count ? Int64(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) : 0
                case 32: v = i * 4 + 3 < raw.count ? Int64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) : 0
                case 1: v = i / 8 < raw.count ? Int64(raw[i / 8] >> (i % 8) & 1) : 0
                default: v = 0
                }
                v = (v >> max(0, shift)) & mask
                if d.pixelRepresentation == 1, d.bitsStored < 64, v & (Int64(1) << (d.bitsStored - 1)) != 0 { v -= Int64(1) << d.bitsStored }
                out[i] = Int32(truncatingIfNeeded: v)
            }
        }
        return out
    }

    /// A LUT from a Modality or VOI LUT Sequence item: descriptor (entries, first mapped value, bits) and data.
    struct LUT {
        let first: Int
        let values: [Int]
        let bits: Int
        func map(_ x: Int) -> Int { values[max(0, min(values.count - 1, x - first))] }

        init?(_ item: DataSet, signedInput: Bool) {
            guard let descriptor = item.ints(Tag(0x0028, 0x3002)), descriptor.count == 3, let raw = item[Tag(0x0028, 0x3006)]?.bytes else { return nil }
            let entries = descriptor[0] == 0 ? 65536 : descriptor[0]
            guard (1...65536).contains(entries), (1...16).contains(descriptor[2]) else { return nil }  // a crafted descriptor must not trap
            var firstValue = descriptor[1]
            if signedInput, firstValue > 32767 { firstValue -= 65536 }
            first = firstValue
            bits = descriptor[2]
            let words = raw.count / 2 >= entries ? 2 : 1
            values = (0..<entries).map { i in
                raw.withUnsafeBytes { words == 2 && i * 2 + 1 < raw.count ? Int(UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
                    : (i < raw.count ? Int($0[i]) : 0) }
            }
        }
    }

    static func grey(_ native: Data, _ d: PixelDescription, _ ds: DataSet, _ options: RenderOptions) throws -> RenderedImage {
        let stored = storedValues(native, d)
        // Modality LUT (PS3.3 C.11.1): a LUT sequence wins over rescale slope and intercept.
        var modality = [Double](repeating: 0, count: stored.count)
        if let item = ds.sequence(Tag(0x0028, 0x3000))?.first, let lut = LUT(item, signedInput: d.pixelRepresentation == 1) {
            for i in stored.indices { modality[i] = Double(lut.map(Int(stored[i]))) }
        } else {
            // "NaN", "1e400" parse as doubles; a non-finite slope or intercept is treated as absent.
            let slope = ds.double(Tag(0x0028, 0x1053)).flatMap { $0.isFinite && $0 != 0 ? $0 : nil } ?? 1
            let intercept = ds.double(Tag(0x0028, 0x1052)).flatMap { $0.isFinite ? $0 : nil } ?? 0
            for i in stored.indices { modality[i] = Double(stored[i]) * slope + intercept }
        }
        var out = [UInt8](repeating: 0, count: stored.count)
        let function = Window.Function(rawValue: ds.string(Tag(0x0028, 0x1056)) ?? "") ?? .linear
        if let w = options.window ?? datasetWindow(ds, function: function) {
            for i in modality.indices { out[i] = w.apply(modality[i]) }
        } else if let item = ds.sequence(Tag(0x0028, 0x3010))?.first, let lut = LUT(item, signedInput: d.pixelRepresentation == 1) {
            let top = Double((1 << lut.bits) - 1)
            for i in modality.indices {
                let m = modality[i].isFinite ? max(-1e9, min(1e9, modality[i])) : 0
                out[i] = UInt8(max(0, min(255, (Double(lut.map(Int(m))) / top * 255).rounded())))
            }
        } else {
            let lo = modality.min() ?? 0, hi = modality.max() ?? 0
            let w = Window(center: (lo + hi + 1) / 2, width: max(1, hi - lo + 1))
            for i in modality.indices { out[i] = w.apply(modality[i]) }
        }
        if d.photometricInterpretation == "MONOCHROME1" { for i in out.indices { out[i] = 255 - out[i] } }
        return RenderedImage(width: d.columns, height: d.rows, channels: 1, pixels: out)
    }

    static func datasetWindow(_ ds: DataSet, function: Window.Function) -> Window? {
        guard let c = ds.doubles(Tag(0x0028, 0x1050))?.first, let w = ds.doubles(Tag(0x0028, 0x1051))?.first, w > 0 else { return nil }
        return Window(center: c, width: w, function: function)
    }

    static func color(_ native: Data, _ d: PixelDescription) throws -> RenderedImage {
        guard d.samplesPerPixel == 3 else { throw PixelError.unsupported("rendering \(d.samplesPerPixel) samples per pixel") }
        var data = native
        var d = d
        if d.photometricInterpretation == "YBR_FULL_422" && data.count < d.rows * d.columns * 3 * d.bytesPerSample {
            data = PixelCodecs.upsample422(data, d)
            d.photometricInterpretation = "YBR_FULL"
        }
        if d.planarConfiguration == 1 { data = Interleave.fromPlanar(data, d) }
        var rgb = [UInt8](repeating: 0, count: d.rows * d.columns * 3)
        let bytes = [UInt8](data)
        let shift = max(0, d.bitsStored - 8)
        for i in 0..<min(rgb.count, bytes.count / d.bytesPerSample) {
            if d.bytesPerSample == 1 {
                rgb[i] = bytes[i]
            } else {
                rgb[i] = UInt8(truncatingIfNeeded: (Int(bytes[i * 2]) | Int(bytes[i * 2 + 1]) << 8) >> shift)
            }
        }
        if d.photometricInterpretation == "YBR_FULL" || d.photometricInterpretation == "YBR_FULL_422" {
            rgb = Interleave.ybrFullToRGB(rgb)
        }
        return RenderedImage(width: d.columns, height: d.rows, channels: 3, pixels: rgb)
    }

    static func palette(_ native: Data, _ d: PixelDescription, _ ds: DataSet) throws -> RenderedImage {
        let stored = storedValues(native, d)
        var tables: [[UInt8]] = []
        for (descriptorTag, dataTag) in [(0x1101, 0x1201), (0x1102, 0x1202), (0x1103, 0x1203)] {
            guard let descriptor = ds.ints(Tag(0x0028, UInt16(descriptorTag))), descriptor.count == 3 else {
                throw PixelError.missingAttribute("Palette Color Lookup Table Descriptor")
            }
            let entries = descriptor[0] == 0 ? 65536 : descriptor[0]
            let bits = descriptor[2]
            guard (1...65536).contains(entries), (1...16).contains(bits) else { throw PixelError.corrupt("palette descriptor out of range") }
            // 8-bit tables hold one entry per byte; wider ones one per 16-bit word.
            func values(_ raw: Data) -> [Int] {
                if bits <= 8 { return raw.map { Int($0) } }
                return (0..<(raw.count / 2)).map { Int(raw[raw.startIndex + $0 * 2]) | Int(raw[raw.startIndex + $0 * 2 + 1]) << 8 }
            }
            var words: [Int]
            if let raw = ds[Tag(0x0028, UInt16(dataTag))]?.bytes {
                words = bits <= 8 && raw.count >= 2 * entries ? Array(values(raw).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)) : values(raw)
            } else if let raw = ds[Tag(0x0028, UInt16(dataTag + 0x20))]?.bytes {  // Segmented Palette Color LUT Data
                words = try expandSegmented(values(raw), entries: entries)
            } else {
                throw PixelError.missingAttribute("Palette Color Lookup Table Data")
            }
            let table: [UInt8] = (0..<entries).map { i in
                let v = i < words.count ? words[i] : 0
                return UInt8(truncatingIfNeeded: bits > 8 ? v >> 8 : v)
            }
            tables.append(table)
        }
        let first = ds.ints(Tag(0x0028, 0x1101))?[1] ?? 0
        var rgb = [UInt8](repeating: 0, count: stored.count * 3)
        for (i, v) in stored.enumerated() {
            for c in 0..<3 { rgb[i * 3 + c] = tables[c][max(0, min(tables[c].count - 1, Int(v) - first))] }
        }
        return RenderedImage(width: d.columns, height: d.rows, channels: 3, pixels: rgb)
    }

    /// Expands Segmented Palette Color LUT Data (PS3.3 C.7.9.2): discrete, linear and indirect segments.
    static func expandSegmented(_ words: [Int], entries: Int) throws -> [Int] {
        var out: [Int] = []
        func run(from start: Int, segmentLimit: Int?, depth: Int) throws {
            guard depth < 4 else { throw PixelError.corrupt("segmented palette nests indirect segments too deeply") }
            var i = start
            var segments = 0
            // Stop at the table's size or when only padding is left (an odd-length 8-bit table is padded with a byte).
            while i + 1 < words.count, out.count < entries, segmentLimit.map({ segments < $0 }) ?? true {
                let length = i + 1 < words.count ? words[i + 1] : 0
                switch words[i] {
                case 0:
                    guard i + 2 + length <= words.count else { throw PixelError.corrupt("segmented palette discrete segment") }
                    out += words[(i + 2)..<(i + 2 + length)]
                    i += 2 + length
                case 1:
                    guard i + 2 < words.count, let y0 = out.last else { throw PixelError.corrupt("segmented palette linear segment") }
                    let y1 = words[i + 2]
                    for k in 1...max(1, length) { out.append(Int((Double(y0) + Double(y1 - y0) * Double(k) / Double(max(1, length))).rounded())) }
                    i += 3
                case 2:
                    guard i + 3 < words.count else { throw PixelError.corrupt("segmented palette indirect segment") }
                    let offset = words[i + 2] | words[i + 3] << 16  // byte offset of the first replayed segment
                    try run(from: offset / 2, segmentLimit: length, depth: depth + 1)
                    i += 4
                default:
                    throw PixelError.corrupt("segmented palette opcode \(words[i])")
                }
                segments += 1
            }
        }
        try run(from: 0, segmentLimit: nil, depth: 0)
        return Array(out.prefix(entries))
    }

    /// Overlay planes (60xx) burnt in as white: separate Overlay Data, or bits embedded in the pixel data.
    static func burnOverlays(_ image: inout RenderedImage, _ ds: DataSet, native: Data, _ d: PixelDescription, frame: Int) {
        for group in stride(from: UInt16(0x6000), through: 0x601E, by: 2) {
            guard let rows = ds.int(Tag(group, 0x0010)), let cols = ds.int(Tag(group, 0x0011)) else { continue }
            let origin = ds.ints(Tag(group, 0x0050)) ?? [1, 1]
            let r0 = (origin.first ?? 1) - 1, c0 = (origin.count > 1 ? origin[1] : 1) - 1
            var bit: (Int) -> Bool
            if let data = ds[Tag(group, 0x3000)]?.bytes {
                let bytes = [UInt8](data)
                let frameOffset = frame * rows * cols
                bit = { i in
                    let b = frameOffset + i
                    return b / 8 < bytes.count && bytes[b / 8] >> (b % 8) & 1 == 1
                }
            } else if let position = ds.int(Tag(group, 0x0102)), d.bitsAllocated == 16 {
                let raw = [UInt8](native)
                bit = { i in i * 2 + 1 < raw.count && (Int(raw[i * 2]) | Int(raw[i * 2 + 1]) << 8) >> position & 1 == 1 }
            } else {
                continue
            }
            for r in 0..<rows {
                for c in 0..<cols where bit(r * cols + c) {
                    let y = r + r0, x = c + c0
                    guard y >= 0, y < image.height, x >= 0, x < image.width else { continue }
                    for k in 0..<image.channels { image.pixels[(y * image.width + x) * image.channels + k] = 255 }
                }
            }
        }
    }
}
