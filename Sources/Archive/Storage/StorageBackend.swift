import Crypto
import Foundation

/// Where object bytes live. Keys are relative paths chosen by the archive; readers get a local file URL.
public protocol StorageBackend: Sendable {
    /// A fresh file in the incoming area (same file system as the store, so committing is a rename).
    func incomingFile() throws -> URL
    /// Moves a complete, fsynced incoming file to `key`, replacing what is there, durably.
    func commit(_ incoming: URL, key: String) throws
    /// A readable local file for `key`.
    func url(for key: String) throws -> URL
    func remove(_ key: String) throws
}

/// Files under `<data>/archive`. Keys spread objects over 65,536 directories (`ab/cd/…`) so no directory grows
/// large; a key is derived from the SOP Instance UID, so the same object always lands in the same place.
public struct LocalFileStorage: StorageBackend {
    public let root: URL
    var incoming: URL { root.appendingPathComponent("incoming", isDirectory: true) }

    public init(root: URL) {
        self.root = root
    }

    public static func key(forSOPInstanceUID uid: String) -> String {
        let hex = SHA256.hash(data: Data(uid.utf8)).map { String(format: "%02x", $0) }.joined()
        return "objects/\(hex.prefix(2))/\(hex.dropFirst(2).prefix(2))/\(hex.prefix(32)).dcm"
    }

    public func incomingFile() throws -> URL {
        if !FileManager.default.fileExists(atPath: incoming.path) {
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
        }
        return incoming.appendingPathComponent(UUID().uuidString.lowercased() + ".part")
    }

    public func commit(_ file: URL, key: String) throws {
        let target = root.appendingPathComponent(key)
        let directory = target.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard rename(file.path, target.path) == 0 else {
            throw ArchiveError.storage("cannot move \(file.lastPathComponent) to \(key): \(String(cString: strerror(errno)))")
        }
        // The rename is durable only once the directory entry is on disk.
        let fd = open(directory.path, O_RDONLY)
        guard fd >= 0 else { throw ArchiveError.storage("cannot open \(directory.path)") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw ArchiveError.storage("fsync failed for \(directory.path)") }
    }

    public func url(for key: String) throws -> URL {
        guard !key.contains(".."), !key.hasPrefix("/") else { throw ArchiveError.storage("invalid key \(key)") }
        return root.appendingPathComponent(key)
    }

    public func remove(_ key: String) throws {
        try FileManager.default.removeItem(at: try url(for: key))
    }

    /// Incoming files left by a crash before they were committed: nothing was acknowledged for them.
    public func sweepIncoming() {
        let files = (try? FileManager.default.contentsOfDirectory(at: incoming, includingPropertiesForKeys: nil)) ?? []
        for file in files { try? FileManager.default.removeItem(at: file) }
    }
}

public enum ArchiveError: Error, Sendable, CustomStringConvertible {
    case storage(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .storage(let s): "storage: \(s)"
        case .invalid(let s): s
        }
    }
}
