import CDICOMZlib
import CTurboJPEG
import Foundation

/// PNG and JPEG files of rendered images (thumbnails, DICOMweb /rendered, `yunying dicom render`).
extension RenderedImage {
    /// PNG (8-bit grey or RGB), compressed with zlib.
    public func png() throws -> Data {
        var raw = [UInt8]()
        raw.reserveCapacity(height * (width * channels + 1))
        for y in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(y * width * channels)..<((y + 1) * width * channels)])
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        guard compress2(&compressed, &compressedLength, raw, uLong(raw.count), 6) == Z_OK else { throw PixelError.codecFailed("zlib") }
        var out = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func chunk(_ type: String, _ body: [UInt8]) {
            var length = UInt32(body.count).bigEndian
            out.append(Data(bytes: &length, count: 4))
            let typed = Array(type.utf8) + body
            out.append(contentsOf: typed)
            var crc = UInt32(crc32(0, typed, uInt(typed.count))).bigEndian
            out.append(Data(bytes: &crc, count: 4))
        }
        func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        chunk("IHDR", be32(width) + be32(height) + [8, channels == 3 ? 2 : 0, 0, 0, 0])
        chunk("IDAT", Array(compressed[0..<Int(compressedLength)]))
        chunk("IEND", [])
        return out
    }

    /// Baseline JPEG at the given quality.
    public func jpeg(quality: Int = 90) throws -> Data {
        guard let handle = tjInitCompress() else { throw PixelError.codecFailed("turbojpeg") }
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let gray = channels == 1
        let rc = tjCompress2(handle, pixels, Int32(width), 0, Int32(height), Int32((gray ? TJPF_GRAY : TJPF_RGB).rawValue), &out, &size,
                             Int32((gray ? TJSAMP_GRAY : TJSAMP_420).rawValue), Int32(quality), 0)
        guard rc == 0, let out else { throw PixelError.codecFailed("JPEG: " + String(cString: tjGetErrorStr2(handle))) }
        defer { tjFree(out) }
        return Data(bytes: out, count: Int(size))
    }
}
