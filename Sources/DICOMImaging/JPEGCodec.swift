import CIJGJPEG
import CTurboJPEG
import Foundation

/// The JPEG processes DICOM uses: baseline and extended lossy (8-bit through libjpeg-turbo, 12-bit through GDCM's
/// IJG build) and lossless process 14 with any selection value (GDCM's IJG 16-bit build, which libjpeg-turbo 2.1
/// lacks). Encoding: baseline 8-bit (previews) and lossless SV1.
public enum JPEGCodec {
    static func cString(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    struct Frame {
        var process: UInt8  // SOF marker: 0xC0 baseline, 0xC1 extended, 0xC2 progressive, 0xC3 lossless, …
        var precision: Int
        var height = 0, width = 0, components = 0
        /// Each component's sampling factors (H << 4 | V), in frame order.
        var sampling: [UInt8] = []
        /// The Adobe APP14 colour transform when the marker is there (0: none, the data is RGB; 1: YCbCr).
        var adobeTransform: Int?

        /// What a DICOM object holding this codestream as is must say (PS3.5 8.2.1): RGB when Adobe says there is no
        /// colour transform, YBR_FULL for 4:4:4 YCbCr, YBR_FULL_422 for subsampled chroma.
        var photometricInterpretation: String {
            guard components == 3 else { return "MONOCHROME2" }
            if adobeTransform == 0 { return "RGB" }
            return Set(sampling).count <= 1 ? "YBR_FULL" : "YBR_FULL_422"
        }
    }

    /// Finds the start-of-frame marker.
    static func frameHeader(_ b: [UInt8]) throws -> Frame {
        guard b.count > 4, b[0] == 0xFF, b[1] == 0xD8 else { throw PixelError.corrupt("JPEG frame without SOI marker") }
        var i = 2
        var adobe: Int?
        while i + 4 < b.count {
            guard b[i] == 0xFF else { i += 1; continue }
            let marker = b[i + 1]
            if marker == 0xFF || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 1; continue }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            // APP14 "Adobe": version (2), flags (2 + 2), then the transform byte.
            if marker == 0xEE, length >= 12, i + 15 < b.count, Array(b[(i + 4)..<(i + 9)]) == Array("Adobe".utf8) {
                adobe = Int(b[i + 15])
            }
            if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                guard i + 4 < b.count else { break }
                var frame = Frame(process: marker, precision: Int(b[i + 4]))
                frame.adobeTransform = adobe
                if i + 9 < b.count {
                    frame.height = Int(b[i + 5]) << 8 | Int(b[i + 6])
                    frame.width = Int(b[i + 7]) << 8 | Int(b[i + 8])
                    frame.components = Int(b[i + 9])
                    for c in 0..<frame.components where i + 11 + c * 3 < b.count {
                        frame.sampling.append(b[i + 11 + c * 3])
                    }
                }
                return frame
            }
            i += 2 + length
        }
        throw PixelError.corrupt("JPEG frame without a frame header")
    }

    public static func decode(_ frame: Data, _ d: PixelDescription) throws -> Data {
        let bytes = [UInt8](frame)
        let header = try frameHeader(bytes)
        let lossless = [0xC3, 0xC7, 0xCB, 0xCF].contains(header.process)
        // Photometric RGB means the codestream holds RGB without a colour transform whatever the JPEG markers
        // suggest (as pydicom and GDCM read it); libjpeg-turbo would convert, so use IJG with conversion off.
        let storedRGB = d.samplesPerPixel == 3 && d.photometricInterpretation == "RGB"
        if !lossless && header.precision == 8 && [0xC0, 0xC1, 0xC2].contains(header.process) && !storedRGB {
            return try decodeTurbo(bytes, d)
        }
        let bits = header.precision <= 8 ? 8 : (header.precision <= 12 ? 12 : 16)  // the IJG build of that precision
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var info = cijg_info()
        var error = [CChar](repeating: 0, count: 256)
        let rc = cijg_decode(Int32(bits), bytes, bytes.count, storedRGB || lossless ? 0 : 1, &out, &length, &info, &error, error.count)
        guard rc == 0, let out else { throw PixelError.corrupt("JPEG: " + cString(error)) }
        // The C buffer becomes the Data's storage (no copy of a frame that can be tens of megabytes).
        let samples = Data(bytesNoCopy: out, count: length, deallocator: .custom { pointer, _ in cijg_free(pointer) })
        try check(info.width, info.height, info.components, d)
        if bits == 8 { return samples }
        if d.bitsAllocated == 8 {  // 16-bit host-order samples to bytes
            return Data(samples.withUnsafeBytes { raw in raw.bindMemory(to: UInt16.self).map { UInt8(truncatingIfNeeded: $0) } })
        }
        return Interleave.signExtend(samples, d)
    }

    static func check(_ width: Int32, _ height: Int32, _ components: Int32, _ d: PixelDescription) throws {
        guard Int(width) == d.columns, Int(height) == d.rows, Int(components) == d.samplesPerPixel else {
            throw PixelError.corrupt("JPEG frame is \(width)×\(height)×\(components), dataset says \(d.columns)×\(d.rows)×\(d.samplesPerPixel)")
        }
    }

    static func decodeTurbo(_ bytes: [UInt8], _ d: PixelDescription) throws -> Data {
        guard let handle = tjInitDecompress() else { throw PixelError.codecFailed("turbojpeg") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, bytes, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0 else {
            throw PixelError.corrupt("JPEG: " + String(cString: tjGetErrorStr2(handle)))
        }
        let components: Int32 = colorspace == Int32(TJCS_GRAY.rawValue) ? 1 : 3
        try check(width, height, components, d)
        let format = components == 1 ? TJPF_GRAY : TJPF_RGB
        var out = [UInt8](repeating: 0, count: Int(width) * Int(height) * Int(components))
        guard tjDecompress2(handle, bytes, UInt(bytes.count), &out, width, 0, height, Int32(format.rawValue), Int32(TJFLAG_ACCURATEDCT)) == 0 else {
            throw PixelError.corrupt("JPEG: " + String(cString: tjGetErrorStr2(handle)))
        }
        return Data(out)
    }

    /// Baseline (process 1) 8-bit; colour is written as YCbCr 4:2:2, i.e. Photometric Interpretation YBR_FULL_422.
    public static func encodeBaseline(_ frame: Data, _ d: PixelDescription, quality: Int = 90) throws -> Data {
        guard d.bitsAllocated == 8, d.samplesPerPixel == 1 || d.samplesPerPixel == 3 else {
            throw PixelError.unsupported("JPEG baseline of \(d.bitsAllocated)-bit, \(d.samplesPerPixel)-sample pixels")
        }
        var input = [UInt8](frame)
        if d.planarConfiguration == 1 && d.samplesPerPixel == 3 { input = [UInt8](Interleave.fromPlanar(frame, d)) }
        if d.photometricInterpretation == "YBR_FULL" { input = Interleave.ybrFullToRGB(input) }  // libjpeg converts from RGB
        guard let handle = tjInitCompress() else { throw PixelError.codecFailed("turbojpeg") }
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let gray = d.samplesPerPixel == 1
        let rc = tjCompress2(handle, input, Int32(d.columns), 0, Int32(d.rows), Int32((gray ? TJPF_GRAY : TJPF_RGB).rawValue), &out, &size,
                             Int32((gray ? TJSAMP_GRAY : TJSAMP_422).rawValue), Int32(quality), Int32(TJFLAG_ACCURATEDCT))
        guard rc == 0, let out else { throw PixelError.codecFailed("JPEG: " + String(cString: tjGetErrorStr2(handle))) }
        defer { tjFree(out) }
        return Data(bytes: out, count: Int(size))
    }

    /// Lossless process 14, selection value 1 (the DICOM default lossless JPEG).
    public static func encodeLossless(_ frame: Data, _ d: PixelDescription, predictor: Int = 1) throws -> Data {
        guard d.bitsAllocated == 8 || d.bitsAllocated == 16, d.samplesPerPixel == 1 || d.samplesPerPixel == 3, d.bitsStored >= 2 else {
            throw PixelError.unsupported("lossless JPEG of \(d.bitsAllocated)-bit, \(d.samplesPerPixel)-sample pixels")
        }
        var samples = frame
        if d.planarConfiguration == 1 && d.samplesPerPixel == 3 { samples = Interleave.fromPlanar(frame, d) }
        if d.pixelRepresentation == 1 { samples = Interleave.maskToBitsStored(samples, d) }
        let input = [UInt8](samples)
        var out: UnsafeMutablePointer<UInt8>?
        var length = 0
        var error = [CChar](repeating: 0, count: 256)
        let build = d.bitsStored <= 8 && d.bitsAllocated == 8 ? 8 : (d.bitsStored <= 12 ? 12 : 16)
        let ycbcr: Int32 = d.photometricInterpretation.hasPrefix("YBR") ? 1 : 0
        let rc = cijg_encode_lossless(Int32(build), input, Int32(d.columns), Int32(d.rows), Int32(d.samplesPerPixel),
                                      Int32(d.bitsStored), Int32(predictor), ycbcr, &out, &length, &error, error.count)
        guard rc == 0, let out else { throw PixelError.codecFailed("lossless JPEG: " + cString(error)) }
        defer { cijg_free(out) }
        return Data(bytes: out, count: length)
    }
}
