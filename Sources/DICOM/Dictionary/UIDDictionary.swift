import Foundation

/// The registry of DICOM unique identifiers (PS3.6 Annex A), parsed once from the generated table.
public enum UIDDictionary {
    public struct Entry: Sendable {
        public let uid: String
        /// "SOP Class", "Transfer Syntax", "Well-known SOP Instance", …
        public let kind: String
        public let keyword: String
        public let name: String
        public let retired: Bool
    }

    static let entries: [String: Entry] = {
        var out: [String: Entry] = [:]
        for line in table.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 5 else { continue }
            out[f[0]] = Entry(uid: f[0], kind: f[1], keyword: f[2], name: f[3], retired: f[4] == "R")
        }
        return out
    }()

    public static func entry(for uid: String) -> Entry? { entries[uid] }

    /// "CT Image Storage" for a known UID, the UID itself otherwise.
    public static func name(for uid: String) -> String { entries[uid]?.name ?? uid }

    /// Every storage SOP class in the standard, current and retired (devices in the field still send retired
    /// ones): SOP classes named "… Storage", without the storage commitment and media directory classes,
    /// which are not composite objects to archive.
    public static let storageSOPClasses: Set<String> = Set(
        entries.values.filter { entry in
            entry.kind == "SOP Class" && entry.name.contains("Storage") && !entry.name.contains("Storage Commitment")
                && entry.keyword != "MediaStorageDirectoryStorage"
        }.map(\.uid))

    /// Every transfer syntax in the standard, current and retired (video, JPIP and old JPEG processes included): an
    /// archive stores them as received even where it cannot decode the pixels.
    public static let transferSyntaxes: Set<String> = Set(entries.values.filter { $0.kind == "Transfer Syntax" }.map(\.uid))
}
