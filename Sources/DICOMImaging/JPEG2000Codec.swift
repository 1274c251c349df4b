import COpenJPEG
import Foundation

/// JPEG 2000 (lossless and lossy) and HTJ2K decoding, JPEG 2000 lossless encoding (OpenJPEG).
public enum JPEG2000Codec {
    /// Bytes travelling through OpenJPEG's stream callbacks; passed as opaque user data (C callbacks cannot capture).
    final class Buffer {
        var bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8] = []) { self.bytes = bytes }
    }

    static func silence(_ codec: UnsafeMutablePointer<opj_codec_t?>?) {
        // Messages would go to stdout; failures are reported through return values instead.
        opj_set_info_handler(codec, { _, _ in }, nil)
        opj_set_warning_handler(codec, { _, _ in }, nil)
        opj_set_error_handler(codec, { _, _ in }, nil)
    }

    static func readStream(_ buffer: Buffer) -> UnsafeMutablePointer<opj_stream_t?>? {
        guard let stream = opj_stream_create(1 << 16, 1) else { return nil }
        opj_stream_set_read_function(stream) { dst, count, user in
            let b = Unmanaged<Buffer>.fromOpaque(user!).takeUnretainedValue()
            let left = b.bytes.count - b.position
            if left <= 0 { return OPJ_SIZE_T.max }
            let n = min(left, Int(count))
            b.bytes.withUnsafeBytes { dst!.copyMemory(from: $0.baseAddress! + b.position, byteCount: n) }
            b.position += n
            return OPJ_SIZE_T(n)
        }
        opj_stream_set_skip_function(stream) { n, user in
            let b = Unmanaged<Buffer>.fromOpaque(user!).takeUnretainedValue()
            let target = max(0, min(b.bytes.count, b.position + Int(n)))
            let moved = target - b.position
            b.position = target
            return OPJ_OFF_T(moved)
        }
        opj_stream_set_seek_function(stream) { n, user in
            let b = Unmanaged<Buffer>.fromOpaque(user!).takeUnretainedValue()
            guard n >= 0, Int(n) <= b.bytes.count else { return 0 }
            b.position = Int(n)
            return 1
        }
        opj_stream_set_user_data(stream, Unmanaged.passUnretained(buffer).toOpaque(), nil)
        opj_stream_set_user_data_length(stream, OPJ_UINT64(buffer.bytes.count))
        return stream
    }

    /// The payload of the `jp2c` box of a JP2 file.
    static func codestream(inJP2 b: [UInt8]) throws -> [UInt8] {
        var i = 0
        while i + 8 <= b.count {
            var length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            var header = 8
            if length == 1, i + 16 <= b.count {
                length = (8..<16).reduce(0) { $0 << 8 | Int(b[i + $1]) }
                header = 16
            } else if length == 0 {
                length = b.count - i
            }
            guard length >= header, i + length <= b.count else { break }
            if type == "jp2c" { return Array(b[(i + header)..<(i + length)]) }
            i += length
        }
        throw PixelError.corrupt("JP2 file without a codestream box")
    }

    public static func decode(_ frame: Data, _ d: PixelDescription) throws -> Data {
        var input = [UInt8](frame)
        guard input.count > 12 else { throw PixelError.corrupt("JPEG 2000 frame of \(input.count) bytes") }
        if input[4] == 0x6A && input[5] == 0x50 && input[6] == 0x20 && input[7] == 0x20 {
            // A JP2 file where DICOM expects a bare codestream (some writers do this): use its contiguous
            // codestream box. The DICOM attributes, not the JP2 colour boxes, describe the pixels.
            input = try codestream(inJP2: input)
        }
        guard let codec = opj_create_decompress(OPJ_CODEC_J2K) else { throw PixelError.codecFailed("OpenJPEG decoder") }
        defer { opj_destroy_codec(codec) }
        silence(codec)
        var parameters = opj_dparameters_t()
        opj_set_default_decoder_parameters(&parameters)
        guard opj_setup_decoder(codec, &parameters) != 0 else { throw PixelError.codecFailed("OpenJPEG setup") }
        let buffer = Buffer(input)
        guard let stream = readStream(buffer) else { throw PixelError.codecFailed("OpenJPEG stream") }
        defer { opj_stream_destroy(stream) }
        var imagePointer: UnsafeMutablePointer<opj_image_t>?
        guard opj_read_header(stream, codec, &imagePointer) != 0, let image = imagePointer else {
            throw PixelError.corrupt("JPEG 2000 header unreadable")
        }
        defer { opj_image_destroy(image) }
        guard opj_decode(codec, stream, image) != 0, opj_end_decompress(codec, stream) != 0 else {
            throw PixelError.corrupt("JPEG 2000 codestream does not decode")
        }
        withExtendedLifetime(buffer) {}  // the stream callbacks read it through an unretained pointer
        let count = Int(image.pointee.numcomps)
        guard count == d.samplesPerPixel, let comps = image.pointee.comps else {
            throw PixelError.corrupt("JPEG 2000 has \(count) components, dataset says \(d.samplesPerPixel)")
        }
        let pixels = d.rows * d.columns
        let bps = d.bytesPerSample
        var out = [UInt8](repeating: 0, count: pixels * count * bps)
        for c in 0..<count {
            let comp = comps[c]
            guard Int(comp.w) == d.columns, Int(comp.h) == d.rows, let data = comp.data else {
                throw PixelError.corrupt("JPEG 2000 component \(c) is \(comp.w)×\(comp.h) (subsampled components are not supported)")
            }
            for p in 0..<pixels {
                let v = data[p]
                let o = (p * count + c) * bps
                switch bps {
                case 1: out[o] = UInt8(truncatingIfNeeded: v)
                case 2:
                    let u = UInt16(truncatingIfNeeded: v)
                    out[o] = UInt8(u & 0xFF)
                    out[o + 1] = UInt8(u >> 8)
                default:
                    let u = UInt32(bitPattern: v)
                    for k in 0..<min(bps, 4) { out[o + k] = UInt8(truncatingIfNeeded: u >> (8 * k)) }
                }
            }
        }
        return Data(out)
    }

    /// Lossless (reversible 5/3 wavelet) J2K codestream of a native frame; no colour transform, so the samples
    /// decode exactly as given.
    public static func encode(_ frame: Data, _ d: PixelDescription) throws -> Data {
        guard d.bitsAllocated == 8 || d.bitsAllocated == 16 else { throw PixelError.unsupported("JPEG 2000 of \(d.bitsAllocated)-bit pixels") }
        let bytes = [UInt8](frame)
        let pixels = d.rows * d.columns
        let bps = d.bytesPerSample
        guard bytes.count >= pixels * d.samplesPerPixel * bps, pixels > 0 else { throw PixelError.corrupt("frame shorter than its description") }
        var params = [opj_image_cmptparm_t](repeating: opj_image_cmptparm_t(), count: d.samplesPerPixel)
        for i in params.indices {
            params[i].dx = 1
            params[i].dy = 1
            params[i].w = OPJ_UINT32(d.columns)
            params[i].h = OPJ_UINT32(d.rows)
            params[i].prec = OPJ_UINT32(d.bitsStored)
            params[i].sgnd = OPJ_UINT32(d.pixelRepresentation)
        }
        let colorSpace = d.samplesPerPixel == 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY
        guard let image = opj_image_create(OPJ_UINT32(d.samplesPerPixel), &params, colorSpace) else { throw PixelError.codecFailed("opj_image_create") }
        defer { opj_image_destroy(image) }
        image.pointee.x1 = OPJ_UINT32(d.columns)
        image.pointee.y1 = OPJ_UINT32(d.rows)
        let planar = d.planarConfiguration == 1
        for c in 0..<d.samplesPerPixel {
            let data = image.pointee.comps[c].data!
            for p in 0..<pixels {
                let o = (planar ? c * pixels + p : p * d.samplesPerPixel + c) * bps
                var v: Int32
                if bps == 1 {
                    v = d.pixelRepresentation == 1 ? Int32(Int8(bitPattern: bytes[o])) : Int32(bytes[o])
                } else {
                    let u = UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
                    if d.pixelRepresentation == 1 {
                        let shift = 16 - d.bitsStored
                        v = Int32((Int16(bitPattern: u) << shift) >> shift)
                    } else {
                        v = Int32(u & UInt16(truncatingIfNeeded: (1 << d.bitsStored) - 1))
                    }
                }
                data[p] = v
            }
        }
        var parameters = opj_cparameters_t()
        opj_set_default_encoder_parameters(&parameters)
        parameters.tcp_numlayers = 1
        parameters.tcp_rates.0 = 0
        parameters.cp_disto_alloc = 1
        parameters.irreversible = 0
        parameters.tcp_mct = 0
        var resolutions = 1
        while resolutions < 6, (1 << resolutions) <= min(d.rows, d.columns) { resolutions += 1 }
        parameters.numresolution = Int32(resolutions)
        guard let codec = opj_create_compress(OPJ_CODEC_J2K) else { throw PixelError.codecFailed("OpenJPEG encoder") }
        defer { opj_destroy_codec(codec) }
        silence(codec)
        guard opj_setup_encoder(codec, &parameters, image) != 0 else { throw PixelError.codecFailed("OpenJPEG encoder setup") }
        let output = Buffer()
        guard let stream = opj_stream_create(1 << 16, 0) else { throw PixelError.codecFailed("OpenJPEG stream") }
        defer { opj_stream_destroy(stream) }
        opj_stream_set_write_function(stream) { src, count, user in
            let b = Unmanaged<Buffer>.fromOpaque(user!).takeUnretainedValue()
            let chunk = UnsafeRawBufferPointer(start: src, count: Int(count))
            if b.position == b.bytes.count { b.bytes.append(contentsOf: chunk) } else {
                let end = b.position + Int(count)
                if end > b.bytes.count { b.bytes.append(contentsOf: repeatElement(0, count: end - b.bytes.count)) }
                b.bytes.replaceSubrange(b.position..<end, with: chunk)
            }
            b.position += Int(count)
            return count
        }
        opj_stream_set_skip_function(stream) { n, user in
            let b = Unmanaged<Buffer>.fromOpaque(user!).takeUnretainedValue()
            b.position += Int(n)
            if b.position > b.bytes.count { b.bytes.append(contentsOf: repeatElement(0, count: b.position - b.bytes.count)) }
            return n
        }
        opj_stream_set_seek_function(stream) { n, user in
            let b = Unmanaged<Buffer>.fromOpaque(user!).takeUnretainedValue()
            b.position = Int(n)
            if b.position > b.bytes.count { b.bytes.append(contentsOf: repeatElement(0, count: b.position - b.bytes.count)) }
            return 1
        }
        opj_stream_set_user_data(stream, Unmanaged.passUnretained(output).toOpaque(), nil)
        guard opj_start_compress(codec, image, stream) != 0, opj_encode(codec, stream) != 0, opj_end_compress(codec, stream) != 0 else {
            withExtendedLifetime(output) {}
            throw PixelError.codecFailed("OpenJPEG encode")
        }
        return Data(output.bytes)
    }
}
