import DICOM
import Foundation

/// One entry of an Accept header: `multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.80`.
struct MediaRange: Equatable {
    var type: String
    var parameters: [String: String]
    var quality: Double

    /// The media type inside `multipart/related` (its `type` parameter), or the type itself for single parts.
    var partType: String { type == "multipart/related" ? (parameters["type"] ?? "") : type }
    var transferSyntax: String? { parameters["transfer-syntax"] }

    static func parse(_ header: String?) -> [MediaRange] {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return [] }
        var out: [MediaRange] = []
        for entry in splitOutsideQuotes(header, ",") {
            let pieces = splitOutsideQuotes(entry, ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let first = pieces.first, !first.isEmpty else { continue }
            var parameters: [String: String] = [:]
            var quality = 1.0
            for p in pieces.dropFirst() {
                let kv = p.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2 else { continue }
                let key = kv[0].lowercased()
                let value = kv[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                if key == "q" { quality = Double(value) ?? 1 } else { parameters[key] = value }
            }
            out.append(MediaRange(type: first.lowercased(), parameters: parameters, quality: quality))
        }
        return out.filter { $0.quality > 0 }.sorted { $0.quality > $1.quality }
    }

    static func splitOutsideQuotes(_ s: String, _ separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for c in s {
            if c == "\"" { quoted.toggle() }
            if c == separator, !quoted {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts
    }
}

/// Which transfer syntax a client gets, per PS3.18 8.7.3: an explicit `transfer-syntax` is honoured (`*` means as
/// stored); without one the default of the media type applies.
enum Negotiation {
    static let explicitLittle = "1.2.840.10008.1.2.1"

    /// Media types of compressed frames (PS3.18 Table 8.7.3-2).
    static let frameMediaTypes: [String: String] = [
        "1.2.840.10008.1.2.4.50": "image/jpeg", "1.2.840.10008.1.2.4.51": "image/jpeg", "1.2.840.10008.1.2.4.57": "image/jpeg",
        "1.2.840.10008.1.2.4.70": "image/jpeg", "1.2.840.10008.1.2.4.80": "image/jls", "1.2.840.10008.1.2.4.81": "image/jls",
        "1.2.840.10008.1.2.4.90": "image/jp2", "1.2.840.10008.1.2.4.91": "image/jp2", "1.2.840.10008.1.2.4.201": "image/jphc",
        "1.2.840.10008.1.2.4.202": "image/jphc", "1.2.840.10008.1.2.4.203": "image/jphc", "1.2.840.10008.1.2.5": "image/dicom-rle",
        "1.2.840.10008.1.2.4.100": "video/mpeg", "1.2.840.10008.1.2.4.102": "video/mp4", "1.2.840.10008.1.2.4.103": "video/mp4",
    ]

    /// For whole instances (`application/dicom`): the syntax to send, "*" for as stored, nil when nothing offered fits.
    static func instanceSyntax(_ accept: [MediaRange]) -> String? {
        if accept.isEmpty { return explicitLittle }
        for range in accept {
            switch range.partType {
            case "application/dicom":
                return range.transferSyntax ?? explicitLittle
            case "*/*", "*", "multipart/related" where range.parameters["type"] == nil:
                return "*"
            default:
                continue
            }
        }
        return nil
    }

    /// For frames: `native` when the client takes uncompressed octet streams, or the stored compressed syntax when
    /// the client accepts it (by its image media type or `transfer-syntax=*`).
    enum FrameChoice: Equatable { case asStored, decodeToNative }

    static func frameChoice(_ accept: [MediaRange], storedSyntax: String, storedIsNative: Bool) -> FrameChoice? {
        if accept.isEmpty { return storedIsNative ? .asStored : .decodeToNative }
        for range in accept {
            let part = range.partType
            if part == "*/*" || part == "*" || (range.type == "multipart/related" && range.parameters["type"] == nil) { return .asStored }
            if part == "application/octet-stream" {
                let ts = range.transferSyntax ?? explicitLittle
                if ts == "*" || ts == storedSyntax { return .asStored }
                if ts == explicitLittle { return storedIsNative ? .asStored : .decodeToNative }
                continue
            }
            if let media = frameMediaTypes[storedSyntax], part == media || part == media.split(separator: "/")[0] + "/*" {
                if let ts = range.transferSyntax, ts != "*", ts != storedSyntax { continue }
                return .asStored
            }
        }
        return nil
    }

    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.lowercased().split(separator: ",").contains { entry in
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            return parts.first == "gzip" && !parts.dropFirst().contains("q=0")
        }
    }
}
