import DICOM
import DICOMImaging
import Foundation
import Testing

/// Synthetic images: a smooth field plus noise, in the bit depth, signedness, sample count and frame count asked for.
func syntheticFile(rows: Int = 37, columns: Int = 29, bitsStored: Int, signed: Bool, samples: Int, frames: Int) -> DICOMFile {
    let bitsAllocated = bitsStored <= 8 ? 8 : 16
    var ds = DataSet()
    ds.set(.sopClassUID, .UI, string: "1.2.840.10008.5.1.4.1.1.7")
    ds.set(.sopInstanceUID, .UI, string: UIDGenerator.make())
    ds.set(.samplesPerPixel, .US, ints: [samples])
    ds.set(.photometricInterpretation, .CS, string: samples == 3 ? "RGB" : "MONOCHROME2")
    if samples == 3 { ds.set(.planarConfiguration, .US, ints: [0]) }
    if frames > 1 { ds.set(.numberOfFrames, .IS, string: String(frames)) }
    ds.set(.rows, .US, ints: [rows])
    ds.set(.columns, .US, ints: [columns])
    ds.set(.bitsAllocated, .US, ints: [bitsAllocated])
    ds.set(.bitsStored, .US, ints: [bitsStored])
    ds.set(.highBit, .US, ints: [bitsStored - 1])
    ds.set(.pixelRepresentation, .US, ints: [signed ? 1 : 0])
    var rng = SplitMix(seed: UInt64(bitsStored * 31 + samples * 7 + frames + (signed ? 1000 : 0)))
    var bytes = Data()
    let lo = signed ? -(1 << (bitsStored - 1)) : 0
    let hi = signed ? (1 << (bitsStored - 1)) - 1 : (1 << bitsStored) - 1
    for f in 0..<frames {
        for r in 0..<rows {
            for c in 0..<columns {
                for s in 0..<samples {
                    let base = lo + (hi - lo) * ((r * 3 + c * 5 + s * 11 + f * 13) % 97) / 97
                    let v = max(lo, min(hi, base + Int(rng.next() % 9) - 4))
                    let stored = v & ((1 << bitsAllocated) - 1)  // two's complement in the allocated width
                    if bitsAllocated == 8 {
                        bytes.append(UInt8(truncatingIfNeeded: stored))
                    } else {
                        bytes.append(UInt8(truncatingIfNeeded: stored))
                        bytes.append(UInt8(truncatingIfNeeded: stored >> 8))
                    }
                }
            }
        }
    }
    ds.set(Element(tag: .pixelData, vr: bitsAllocated == 8 ? .OB : .OW, value: .bytes(bytes)))
    return DICOMFile(dataset: ds, transferSyntax: .explicitVRLittleEndian)
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct Variant: CustomTestStringConvertible, Sendable {
    let bits: Int
    let signed: Bool
    let samples: Int
    let frames: Int
    var testDescription: String { "\(bits)-bit \(signed ? "signed" : "unsigned") \(samples == 3 ? "RGB" : "grey") ×\(frames)" }
}

let variants: [Variant] = [
    Variant(bits: 8, signed: false, samples: 1, frames: 1), Variant(bits: 8, signed: false, samples: 3, frames: 2),
    Variant(bits: 12, signed: false, samples: 1, frames: 3), Variant(bits: 12, signed: true, samples: 1, frames: 1),
    Variant(bits: 16, signed: false, samples: 1, frames: 2), Variant(bits: 16, signed: true, samples: 1, frames: 1),
    Variant(bits: 16, signed: false, samples: 3, frames: 1),
]

@Suite("Lossless codecs round-trip bit-exact")
struct CodecRoundTripTests {
    @Test(arguments: [TransferSyntax.rleLossless, .jpegLSLossless, .jpeg2000Lossless, .jpegLosslessSV1], variants)
    func roundTrip(syntax: TransferSyntax, variant: Variant) throws {
        let original = syntheticFile(bitsStored: variant.bits, signed: variant.signed, samples: variant.samples, frames: variant.frames)
        let encoded = try PixelCodecs.transcode(original, to: syntax)
        let written = try DICOMWriter.write(encoded)
        let reread = try DICOMFile.read(written)
        #expect(reread.transferSyntax.uid == syntax.uid)
        guard case .encapsulated(let pixels) = reread.dataset[.pixelData]?.value else {
            Issue.record("pixel data not encapsulated")
            return
        }
        #expect(pixels.fragments.count == variant.frames)
        let decoded = try PixelCodecs.transcode(reread, to: .explicitVRLittleEndian)
        #expect(decoded.dataset[.pixelData]?.bytes == original.dataset[.pixelData]?.bytes)
    }

    @Test("JPEG baseline is lossy but close, and records the lossy compression")
    func baseline() throws {
        let original = syntheticFile(rows: 64, columns: 64, bitsStored: 8, signed: false, samples: 1, frames: 1)
        let encoded = try PixelCodecs.transcode(original, to: .jpegBaseline)
        #expect(encoded.dataset.string(Tag(0x0028, 0x2110)) == "01")
        #expect(encoded.dataset.strings(Tag(0x0028, 0x2114)) == ["ISO_10918_1"])
        let back = try PixelCodecs.transcode(try DICOMFile.read(try DICOMWriter.write(encoded)), to: .explicitVRLittleEndian)
        let a = [UInt8](original.dataset[.pixelData]!.bytes!), b = [UInt8](back.dataset[.pixelData]!.bytes!)
        let meanError = zip(a, b).map { abs(Int($0) - Int($1)) }.reduce(0, +) / a.count
        #expect(meanError <= 4)
    }

    @Test("codecs refuse what they cannot code, with a typed error")
    func refusals() {
        let wide = syntheticFile(bitsStored: 8, signed: false, samples: 1, frames: 1)
        var ds = wide.dataset
        ds.set(.bitsAllocated, .US, ints: [32])
        #expect(throws: PixelError.self) { try PixelCodecs.transcode(DICOMFile(dataset: ds, transferSyntax: .explicitVRLittleEndian), to: .jpegLSLossless) }
        #expect(throws: PixelError.self) { try RLECodec.decode(Data(repeating: 0, count: 10), PixelDescription(rows: 2, columns: 2)) }
        #expect(throws: PixelError.self) { try JPEGCodec.decode(Data([0xFF, 0xD8, 0xFF, 0xC0, 0, 2]), PixelDescription(rows: 2, columns: 2)) }
        #expect(throws: PixelError.self) { try JPEG2000Codec.decode(Data(repeating: 0x4F, count: 40), PixelDescription(rows: 2, columns: 2)) }
        #expect(throws: PixelError.self) { try JPEGLSCodec.decode(Data([0xFF, 0xD8, 0xFF, 0xF7, 0, 1]), PixelDescription(rows: 2, columns: 2)) }
    }
}

@Suite("Rendering")
struct RenderingTests {
    @Test("LINEAR, LINEAR_EXACT and SIGMOID follow PS3.3 C.11.2.1.2")
    func windowFunctions() {
        let linear = Window(center: 40, width: 400)
        #expect(linear.apply(-160) == 0 && linear.apply(240) == 255)
        #expect(linear.apply(39.5) == 128)  // c - 0.5 maps to the middle of the range
        let exact = Window(center: 40, width: 400, function: .linearExact)
        #expect(exact.apply(40) == 128 && exact.apply(-160) == 0 && exact.apply(240.1) == 255)
        let sigmoid = Window(center: 40, width: 400, function: .sigmoid)
        #expect(sigmoid.apply(40) == 128 && sigmoid.apply(1000) == 255 && sigmoid.apply(-1000) == 0)
        #expect(Window(center: 0, width: 1).apply(0) == 255 && Window(center: 0, width: 1).apply(-1) == 0)
    }

    @Test("rescale, window and MONOCHROME1 inversion on a CT-like image")
    func greyPipeline() throws {
        var file = syntheticFile(rows: 2, columns: 2, bitsStored: 12, signed: false, samples: 1, frames: 1)
        var pixels = Data()
        for v: UInt16 in [0, 1024, 1064, 4095] { pixels.append(UInt8(v & 0xFF)); pixels.append(UInt8(v >> 8)) }
        file.dataset.set(Element(tag: .pixelData, vr: .OW, value: .bytes(pixels)))
        file.dataset.set(Tag(0x0028, 0x1052), .DS, string: "-1024")
        file.dataset.set(Tag(0x0028, 0x1053), .DS, string: "1")
        file.dataset.set(Tag(0x0028, 0x1050), .DS, string: "40")
        file.dataset.set(Tag(0x0028, 0x1051), .DS, string: "400")
        let image = try Renderer.render(file)
        #expect(image.pixels == [0, Window(center: 40, width: 400).apply(0), Window(center: 40, width: 400).apply(40), 255])
        file.dataset.set(.photometricInterpretation, .CS, string: "MONOCHROME1")
        #expect(try Renderer.render(file).pixels.first == 255)
        let override = try Renderer.render(file, options: RenderOptions(window: Window(center: 0, width: 2)))
        #expect(override.pixels[2] == 0, "MONOCHROME1: high values dark")
    }

    @Test("PNG output is a valid PNG with the right size")
    func png() throws {
        let image = RenderedImage(width: 3, height: 2, channels: 1, pixels: [0, 50, 100, 150, 200, 250])
        let data = try image.png()
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 3 && height == 2)
        #expect(try image.jpeg().starts(with: [0xFF, 0xD8]))
    }

    @Test("overlays stored in Overlay Data are burnt in on request")
    func overlays() throws {
        var file = syntheticFile(rows: 4, columns: 4, bitsStored: 8, signed: false, samples: 1, frames: 1)
        file.dataset.set(Element(tag: .pixelData, vr: .OB, value: .bytes(Data(repeating: 0, count: 16))))
        file.dataset.set(Tag(0x6000, 0x0010), .US, ints: [4])
        file.dataset.set(Tag(0x6000, 0x0011), .US, ints: [4])
        file.dataset.set(Tag(0x6000, 0x0050), .SS, ints: [1, 1])
        file.dataset.set(Tag(0x6000, 0x0100), .US, ints: [1])
        file.dataset.set(Tag(0x6000, 0x0102), .US, ints: [0])
        file.dataset.set(Tag(0x6000, 0x3000), .OW, data: Data([0b0000_0001, 0x80]))  // pixel 0 and pixel 15
        let plain = try Renderer.render(file)
        let burnt = try Renderer.render(file, options: RenderOptions(burnInOverlays: true))
        #expect(plain.pixels.allSatisfy { $0 == 0 })
        #expect(burnt.pixels[0] == 255 && burnt.pixels[15] == 255 && burnt.pixels[1] == 0)
    }
}

@Suite("Frames of encapsulated pixel data")
struct FrameSplitTests {
    func dataset(frames: Int, pixels: EncapsulatedPixelData, eot: [(UInt64, UInt64)]? = nil) -> DataSet {
        var ds = syntheticFile(rows: 2, columns: 2, bitsStored: 8, signed: false, samples: 1, frames: frames).dataset
        ds.set(Element(tag: .pixelData, vr: .OB, value: .encapsulated(pixels), undefinedLength: true))
        if let eot {
            var offsets = Data(), lengths = Data()
            for (o, l) in eot {
                withUnsafeBytes(of: o.littleEndian) { offsets.append(contentsOf: $0) }
                withUnsafeBytes(of: l.littleEndian) { lengths.append(contentsOf: $0) }
            }
            ds.set(Element(tag: .extendedOffsetTable, vr: .OV, value: .bytes(offsets)))
            ds.set(Element(tag: .extendedOffsetTableLengths, vr: .OV, value: .bytes(lengths)))
        }
        return ds
    }

    let a1 = Data([0xFF, 0xD8, 1, 2]), a2 = Data([3, 4]), b1 = Data([0xFF, 0xD8, 5, 6, 7, 8])

    @Test("Basic Offset Table groups fragments into frames")
    func basicOffsetTable() throws {
        let p = EncapsulatedPixelData(basicOffsetTable: [0, UInt32(a1.count + a2.count + 16)], fragments: [a1, a2, b1])
        let frames = try PixelFrames(dataset(frames: 2, pixels: p), syntax: .jpegBaseline)
        #expect(frames.count == 2)
        #expect(try frames.storedFrame(0) == a1 + a2 && frames.storedFrame(1) == b1)
    }

    @Test("Extended Offset Table with lengths")
    func extendedOffsetTable() throws {
        let p = EncapsulatedPixelData(basicOffsetTable: [], fragments: [a1, a2, b1])
        let eot: [(UInt64, UInt64)] = [(0, UInt64(a1.count + a2.count)), (UInt64(a1.count + a2.count + 16), UInt64(b1.count))]
        let frames = try PixelFrames(dataset(frames: 2, pixels: p, eot: eot), syntax: .jpegBaseline)
        #expect(try frames.storedFrame(0) == a1 + a2 && frames.storedFrame(1) == b1)
    }

    @Test("without tables, JPEG start-of-image markers separate frames; a mismatch is a typed error")
    func markers() throws {
        let p = EncapsulatedPixelData(fragments: [a1, a2, b1])
        let frames = try PixelFrames(dataset(frames: 2, pixels: p), syntax: .jpegBaseline)
        #expect(try frames.storedFrame(1) == b1)
        #expect(throws: PixelError.self) { try PixelFrames(dataset(frames: 4, pixels: p), syntax: .jpegBaseline) }
        #expect(throws: PixelError.self) { try frames.storedFrame(2) }
    }
}

@Suite("Embedded overlays")
struct EmbeddedOverlayTests {
    @Test("an overlay in an unused high bit of the pixel data is burnt in and does not disturb the image")
    func embedded() throws {
        var file = syntheticFile(rows: 2, columns: 2, bitsStored: 12, signed: false, samples: 1, frames: 1)
        var pixels = Data()
        for v: UInt16 in [100, 100 | 0x8000, 200, 200] { pixels.append(UInt8(v & 0xFF)); pixels.append(UInt8(v >> 8)) }
        file.dataset.set(Element(tag: .pixelData, vr: .OW, value: .bytes(pixels)))
        file.dataset.set(Tag(0x6000, 0x0010), .US, ints: [2])
        file.dataset.set(Tag(0x6000, 0x0011), .US, ints: [2])
        file.dataset.set(Tag(0x6000, 0x0100), .US, ints: [16])
        file.dataset.set(Tag(0x6000, 0x0102), .US, ints: [15])
        let plain = try Renderer.render(file, options: RenderOptions(window: Window(center: 150, width: 101)))
        #expect(plain.pixels[0] == plain.pixels[1], "bit 15 is above Bits Stored, so masked out of the image")
        let burnt = try Renderer.render(file, options: RenderOptions(window: Window(center: 150, width: 101), burnInOverlays: true))
        #expect(burnt.pixels[1] == 255 && burnt.pixels[0] == plain.pixels[0])
    }
}
