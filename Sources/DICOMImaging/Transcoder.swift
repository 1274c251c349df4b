import DICOM
import Foundation

/// Decodes and encodes frames for a transfer syntax, and rewrites whole datasets between syntaxes.
public enum PixelCodecs {
    /// Native bytes (little endian, interleaved) of one frame, whatever the stored syntax.
    public static func decodeFrame(_ frames: PixelFrames, _ index: Int) throws -> Data {
        let stored = try frames.storedFrame(index)
        let syntax = frames.syntax
        if !syntax.encapsulated { return stored }
        switch syntax.uid {
        case TransferSyntax.rleLossless.uid: return try RLECodec.decode(stored, frames.description)
        case TransferSyntax.jpegLSLossless.uid, TransferSyntax.jpegLSNearLossless.uid:
            return Interleave.signExtend(try JPEGLSCodec.decode(stored, frames.description), frames.description)
        case TransferSyntax.jpeg2000Lossless.uid, TransferSyntax.jpeg2000.uid, TransferSyntax.htj2kLossless.uid,
            TransferSyntax.htj2kLosslessRPCL.uid, TransferSyntax.htj2k.uid:
            return try JPEG2000Codec.decode(stored, frames.description)
        case TransferSyntax.jpegBaseline.uid, TransferSyntax.jpegExtended.uid, TransferSyntax.jpegLossless.uid, TransferSyntax.jpegLosslessSV1.uid:
            return try JPEGCodec.decode(stored, frames.description)
        default: throw PixelError.unsupported("decoding \(syntax.name)")
        }
    }

    /// How the bytes `decodeFrame` returns are laid out: decoders interleave samples, and the JPEG decoder converts
    /// YCbCr to RGB (as DCMTK's dcmdjpeg does by default).
    public static func decodedDescription(_ frames: PixelFrames) -> PixelDescription {
        var d = frames.description
        if frames.syntax.encapsulated { d.planarConfiguration = 0 }
        if [TransferSyntax.jpegBaseline.uid, TransferSyntax.jpegExtended.uid].contains(frames.syntax.uid), d.samplesPerPixel == 3 {
            d.photometricInterpretation = "RGB"
        }
        return d
    }

    public static func canEncode(_ syntax: TransferSyntax) -> Bool {
        !syntax.encapsulated || [TransferSyntax.rleLossless.uid, TransferSyntax.jpegLSLossless.uid, TransferSyntax.jpeg2000Lossless.uid,
             TransferSyntax.jpegLosslessSV1.uid, TransferSyntax.jpegBaseline.uid].contains(syntax.uid)
    }

    static func encodeFrame(_ native: Data, _ d: PixelDescription, to syntax: TransferSyntax) throws -> Data {
        switch syntax.uid {
        case TransferSyntax.rleLossless.uid: return try RLECodec.encode(native, d)
        case TransferSyntax.jpegLSLossless.uid: return try JPEGLSCodec.encode(native, d)
        case TransferSyntax.jpeg2000Lossless.uid: return try JPEG2000Codec.encode(native, d)
        case TransferSyntax.jpegLosslessSV1.uid: return try JPEGCodec.encodeLossless(native, d)
        case TransferSyntax.jpegBaseline.uid: return try JPEGCodec.encodeBaseline(native, d)
        default: throw PixelError.unsupported("encoding \(syntax.name)")
        }
    }

    /// Rewrites a file in another transfer syntax: pixel data decoded and re-encoded, and the attributes that
    /// depend on the encoding (Planar Configuration after RLE, lossy compression history) updated.
    public static func transcode(_ file: DICOMFile, to target: TransferSyntax) throws -> DICOMFile {
        var out = file
        out.transferSyntax = target
        let source = file.transferSyntax
        // Same syntax: nothing to re-encode; the writer reproduces what was read.
        guard source.uid != target.uid, file.dataset[.pixelData] != nil else { return out }
        let bits = file.dataset.int(.bitsAllocated) ?? 8
        // Native to native, same or 16-bit-word byte order: the writer converts byte order by VR by itself.
        let wideSwap = source.littleEndian != target.littleEndian && bits > 16
        guard source.encapsulated || target.encapsulated || wideSwap else { return out }
        guard canEncode(target) else { throw PixelError.unsupported("encoding \(target.name)") }
        let frames = try PixelFrames(file)
        var description = decodedDescription(frames)
        var natives: [Data] = []
        for i in 0..<frames.count { natives.append(try decodeFrame(frames, i)) }
        var ds = file.dataset
        if description.photometricInterpretation != frames.description.photometricInterpretation {
            ds.set(.photometricInterpretation, .CS, string: description.photometricInterpretation)
        }
        if target.encapsulated, description.photometricInterpretation == "YBR_FULL_422", !source.encapsulated {
            // Native YBR_FULL_422 is stored subsampled; codecs other than JPEG take full-resolution chroma.
            natives = natives.map { upsample422($0, description) }
            description.photometricInterpretation = "YBR_FULL"
            ds.set(.photometricInterpretation, .CS, string: "YBR_FULL")
        }
        // Codecs read the native layout given; what they decode to is always colour-by-pixel.
        if description.samplesPerPixel > 1 {
            ds.set(.planarConfiguration, .US, ints: [target.encapsulated ? 0 : description.planarConfiguration])
        }
        if target.encapsulated {
            let encoded = try natives.map { try encodeFrame($0, description, to: target) }
            ds.set(Element(tag: .pixelData, vr: .OB, value: .encapsulated(EncapsulatedPixelData(basicOffsetTable: basicOffsets(encoded), fragments: encoded)),
                           undefinedLength: true))
        } else {
            var all: Data
            if natives.count == 1 {
                all = natives[0]
            } else {
                all = Data(capacity: natives.reduce(0) { $0 + $1.count })
                for n in natives { all.append(n) }
            }
            // The dataset keeps its byte order; the writer swaps OW values by 16-bit words when the target differs.
            if !ds.littleEndian { all = DICOMWriter.swapped(all, unit: 2) }
            ds.set(Element(tag: .pixelData, vr: description.bitsAllocated > 8 ? .OW : .OB, value: .bytes(all)))
        }
        if target.uid == TransferSyntax.jpegBaseline.uid, description.samplesPerPixel == 3 {
            ds.set(.photometricInterpretation, .CS, string: "YBR_FULL_422")
        }
        if target.lossy {
            // Lossy Image Compression history (PS3.3 C.7.6.1.1.5): mark it and append the method.
            ds.set(Tag(0x0028, 0x2110), .CS, string: "01")
            let method = target.uid == TransferSyntax.jpegBaseline.uid ? "ISO_10918_1" : target.uid
            ds.set(Tag(0x0028, 0x2114), .CS, strings: (ds.strings(Tag(0x0028, 0x2114)) ?? []) + [method])
        }
        out.dataset = ds
        return out
    }

    /// YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair) to full-resolution interleaved YBR.
    static func upsample422(_ data: Data, _ d: PixelDescription) -> Data {
        let src = [UInt8](data)
        var out = [UInt8](repeating: 0, count: d.rows * d.columns * 3)
        let pairsPerRow = (d.columns + 1) / 2
        for r in 0..<d.rows {
            for p in 0..<pairsPerRow {
                let i = (r * pairsPerRow + p) * 4
                guard i + 3 < src.count else { continue }
                for k in 0..<2 where p * 2 + k < d.columns {
                    let o = (r * d.columns + p * 2 + k) * 3
                    out[o] = src[i + k]
                    out[o + 1] = src[i + 2]
                    out[o + 2] = src[i + 3]
                }
            }
        }
        return Data(out)
    }

    static func basicOffsets(_ frames: [Data]) -> [UInt32] {
        guard frames.count > 1 else { return [] }
        var offsets: [UInt32] = []
        var pos: UInt32 = 0
        for f in frames {
            offsets.append(pos)
            pos += UInt32(f.count + f.count % 2 + 8)
        }
        return offsets
    }
}
