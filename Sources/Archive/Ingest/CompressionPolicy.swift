import DICOM
import DICOMImaging
import Foundation

/// Lossless compression at ingest (DCM-04, ARC-02), per modality: `CT=jpeg-ls,MR=jpeg-ls,CR=j2k,*=keep`. Objects
/// that arrive uncompressed are re-encoded before they are stored; compressed ones, objects without pixels and
/// anything the codec cannot take are kept exactly as received. Only lossless syntaxes are offered: a diagnostic
/// archive must give back the pixels it was sent.
public struct CompressionPolicy: Sendable, Equatable {
    public static let codecs: [String: TransferSyntax] = [
        "jpeg-ls": .jpegLSLossless, "j2k": .jpeg2000Lossless, "rle": .rleLossless, "jpeg-lossless": .jpegLosslessSV1,
    ]

    /// Modality (upper case) or `*` → target syntax; absent or `keep` = as received.
    public var rules: [String: TransferSyntax]

    public init(rules: [String: TransferSyntax] = [:]) {
        self.rules = rules
    }

    public static func parse(_ text: String) throws -> CompressionPolicy {
        var rules: [String: TransferSyntax] = [:]
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty else { throw ArchiveError.invalid("compression rule \(item): use MODALITY=codec") }
            let codec = pair[1].lowercased()
            if codec == "keep" { continue }
            guard let syntax = codecs[codec] else {
                throw ArchiveError.invalid("compression codec \(pair[1]): use keep, \(codecs.keys.sorted().joined(separator: ", "))")
            }
            rules[pair[0].uppercased()] = syntax
        }
        return CompressionPolicy(rules: rules)
    }

    public func target(for file: DICOMFile) -> TransferSyntax? {
        guard !rules.isEmpty, !file.transferSyntax.encapsulated, file.dataset[.pixelData] != nil else { return nil }
        let modality = (file.dataset.string(.modality) ?? "").trimmingCharacters(in: .whitespaces).uppercased()
        guard let target = rules[modality] ?? rules["*"] else { return nil }
        // Float and 32-bit pixel data, and 1-bit overlays-as-pixels, stay native: the lossless codecs do not take them.
        let bits = file.dataset.int(.bitsAllocated) ?? 0
        guard bits == 8 || bits == 16 else { return nil }
        return target
    }

    /// Writes the compressed copy next to `incoming` and returns it with its syntax, or nil to keep the object as received.
    public func compress(_ file: DICOMFile, incoming: URL) -> (url: URL, syntax: TransferSyntax)? {
        guard let target = target(for: file) else { return nil }
        let out = incoming.deletingPathExtension().appendingPathExtension("c.part")
        do {
            let converted = try PixelCodecs.transcode(file, to: target)
            try DICOMWriter.write(converted, to: out)
            return (out, target)
        } catch {
            try? FileManager.default.removeItem(at: out)
            return nil
        }
    }
}
