import Foundation

extension RenderedImage {
    /// The image scaled to fit inside `width`×`height` with its aspect ratio kept (never enlarged). Each output
    /// pixel averages the source pixels it covers, so thumbnails of fine structures (lung, bone) do not alias.
    public func fitted(width maxWidth: Int, height maxHeight: Int) -> RenderedImage {
        guard maxWidth > 0, maxHeight > 0, width > maxWidth || height > maxHeight else { return self }
        let scale = min(Double(maxWidth) / Double(width), Double(maxHeight) / Double(height))
        let w = max(1, Int((Double(width) * scale).rounded())), h = max(1, Int((Double(height) * scale).rounded()))
        var out = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h {
            let y0 = y * height / h, y1 = max(y0 + 1, (y + 1) * height / h)
            for x in 0..<w {
                let x0 = x * width / w, x1 = max(x0 + 1, (x + 1) * width / w)
                for c in 0..<channels {
                    var sum = 0
                    for sy in y0..<y1 {
                        let row = sy * width
                        for sx in x0..<x1 { sum += Int(pixels[(row + sx) * channels + c]) }
                    }
                    out[(y * w + x) * channels + c] = UInt8(sum / ((y1 - y0) * (x1 - x0)))
                }
            }
        }
        return RenderedImage(width: w, height: h, channels: channels, pixels: out)
    }
}
