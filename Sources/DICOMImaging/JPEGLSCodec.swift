import CCharLS
import Foundation

/// JPEG-LS lossless and near-lossless (CharLS).
public enum JPEGLSCodec {
    struct Failure: Error { let code: Int32 }

    static func check(_ result: charls_jpegls_errc, _ what: String) throws {
        if result.rawValue != 0 {
            throw PixelError.codecFailed("CharLS \(what): \(String(cString: charls_get_error_message(result)))")
        }
    }

    public static func decode(_ frame: Data, _ d: PixelDescription) throws -> Data {
        guard let decoder = charls_jpegls_decoder_create() else { throw PixelError.codecFailed("CharLS decoder") }
        defer { charls_jpegls_decoder_destroy(decoder) }
        let source = [UInt8](frame)
        guard !source.isEmpty else { throw PixelError.corrupt("empty JPEG-LS frame") }
        return try source.withUnsafeBytes { src -> Data in
            try check(charls_jpegls_decoder_set_source_buffer(decoder, src.baseAddress!, src.count), "source")
            try check(charls_jpegls_decoder_read_header(decoder), "header")
            var info = charls_frame_info()
            try check(charls_jpegls_decoder_get_frame_info(decoder, &info), "frame info")
            guard Int(info.width) == d.columns, Int(info.height) == d.rows, Int(info.component_count) == d.samplesPerPixel else {
                throw PixelError.corrupt("JPEG-LS frame is \(info.width)×\(info.height)×\(info.component_count), dataset says \(d.columns)×\(d.rows)×\(d.samplesPerPixel)")
            }
            var mode = charls_interleave_mode(rawValue: 0)
            try check(charls_jpegls_decoder_get_interleave_mode(decoder, &mode), "interleave mode")
            var size = 0
            try check(charls_jpegls_decoder_get_destination_size(decoder, 0, &size), "destination size")
            guard size > 0, size <= 1 << 30 else { throw PixelError.corrupt("JPEG-LS frame size \(size)") }
            var out = [UInt8](repeating: 0, count: size)
            try out.withUnsafeMutableBytes { dst in
                try check(charls_jpegls_decoder_decode_to_buffer(decoder, dst.baseAddress!, dst.count, 0), "decode")
            }
            var result = Data(out)
            if mode.rawValue == 0 && d.samplesPerPixel > 1 {  // component by component → interleave
                result = Interleave.fromPlanar(result, d)
            }
            return result
        }
    }

    /// Encodes a native frame (little endian, samples interleaved); `nearLossless` 0 is lossless.
    public static func encode(_ frame: Data, _ d: PixelDescription, nearLossless: Int = 0) throws -> Data {
        guard d.bitsAllocated == 8 || d.bitsAllocated == 16, d.bitsStored >= 2 else {
            throw PixelError.unsupported("JPEG-LS of \(d.bitsAllocated)-bit pixels")
        }
        guard let encoder = charls_jpegls_encoder_create() else { throw PixelError.codecFailed("CharLS encoder") }
        defer { charls_jpegls_encoder_destroy(encoder) }
        var native = frame
        if d.pixelRepresentation == 1 { native = Interleave.maskToBitsStored(native, d) }  // JPEG-LS codes unsigned samples
        var input = [UInt8](native)
        guard !input.isEmpty else { throw PixelError.corrupt("empty frame") }
        if d.planarConfiguration == 1 && d.samplesPerPixel > 1 { input = [UInt8](Interleave.fromPlanar(Data(input), d)) }
        var info = charls_frame_info(width: UInt32(d.columns), height: UInt32(d.rows), bits_per_sample: Int32(d.bitsStored),
                                     component_count: Int32(d.samplesPerPixel))
        try check(charls_jpegls_encoder_set_frame_info(encoder, &info), "frame info")
        try check(charls_jpegls_encoder_set_near_lossless(encoder, Int32(nearLossless)), "near lossless")
        if d.samplesPerPixel > 1 {
            try check(charls_jpegls_encoder_set_interleave_mode(encoder, charls_interleave_mode(rawValue: 2)), "interleave")
        }
        var capacity = 0
        try check(charls_jpegls_encoder_get_estimated_destination_size(encoder, &capacity), "size")
        var out = [UInt8](repeating: 0, count: capacity)
        var written = 0
        try out.withUnsafeMutableBytes { dst in
            try check(charls_jpegls_encoder_set_destination_buffer(encoder, dst.baseAddress!, dst.count), "destination")
            try input.withUnsafeBytes { src in
                try check(charls_jpegls_encoder_encode_from_buffer(encoder, src.baseAddress!, src.count, 0), "encode")
            }
            try check(charls_jpegls_encoder_get_bytes_written(encoder, &written), "bytes written")
        }
        return Data(out[0..<written])
    }
}

/// Sample layout helpers shared by the codecs.
enum Interleave {
    /// RRR…GGG…BBB → RGBRGB…
    static func fromPlanar(_ data: Data, _ d: PixelDescription) -> Data {
        let bytes = [UInt8](data)
        let pixels = d.rows * d.columns
        let bps = d.bytesPerSample
        var out = [UInt8](repeating: 0, count: bytes.count)
        for s in 0..<d.samplesPerPixel {
            for p in 0..<pixels {
                for b in 0..<bps {
                    let src = (s * pixels + p) * bps + b
                    let dst = (p * d.samplesPerPixel + s) * bps + b
                    if src < bytes.count, dst < out.count { out[dst] = bytes[src] }
                }
            }
        }
        return Data(out)
    }

    /// Clears bits above Bits Stored (signed data carries sign extension there).
    static func maskToBitsStored(_ data: Data, _ d: PixelDescription) -> Data {
        guard d.bitsStored < d.bitsAllocated, d.bitsAllocated == 16 else { return data }
        var bytes = [UInt8](data)
        let mask = UInt16((1 << d.bitsStored) - 1)
        for i in stride(from: 0, to: bytes.count - 1, by: 2) {
            let v = (UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8) & mask
            bytes[i] = UInt8(v & 0xFF)
            bytes[i + 1] = UInt8(v >> 8)
        }
        return Data(bytes)
    }

    /// YBR_FULL to RGB for 8-bit samples (PS3.3 C.7.6.3.1.2, ITU-R BT.601 full range).
    static func ybrFullToRGB(_ ybr: [UInt8]) -> [UInt8] {
        var out = ybr
        func clamp(_ v: Double) -> UInt8 { UInt8(max(0, min(255, v.rounded()))) }
        for i in stride(from: 0, to: ybr.count - 2, by: 3) {
            let y = Double(ybr[i]), cb = Double(ybr[i + 1]) - 128, cr = Double(ybr[i + 2]) - 128
            out[i] = clamp(y + 1.402 * cr)
            out[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr)
            out[i + 2] = clamp(y + 1.772 * cb)
        }
        return out
    }

    /// Sign-extends values of Bits Stored bits to the full sample (for signed data after decoding).
    static func signExtend(_ data: Data, _ d: PixelDescription) -> Data {
        guard d.pixelRepresentation == 1, d.bitsStored < d.bitsAllocated, d.bitsAllocated == 16 else { return data }
        var bytes = [UInt8](data)
        let shift = 16 - d.bitsStored
        for i in stride(from: 0, to: bytes.count - 1, by: 2) {
            let v = Int16(bitPattern: UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
            let e = UInt16(bitPattern: (v << shift) >> shift)
            bytes[i] = UInt8(e & 0xFF)
            bytes[i + 1] = UInt8(e >> 8)
        }
        return Data(bytes)
    }
}
