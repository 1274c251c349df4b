import Crypto
import Foundation
import NIOPosix
import Synchronization

/// Where object bytes live. Keys are relative paths chosen by the archive; readers get a local file URL.
public protocol StorageBackend: Sendable {
    /// A fresh file in the incoming area (same file system as the store, so committing is a rename).
    func incomingFile() throws -> URL
    /// Moves a complete incoming file to `key`, replacing what is there, and returns once file and name are durable.
    func commit(_ incoming: URL, key: String) async throws
    /// Where `key` lives on local disk (the file may have moved to the object store: see `localFile`).
    func url(for key: String) throws -> URL
    /// A readable local file for `key`, fetched back from the object store when it was moved there.
    func localFile(for key: String) async throws -> URL
    /// Whether the object is held (locally or in the object store).
    func contains(_ key: String) async -> Bool
    func remove(_ key: String) throws
}

extension StorageBackend {
    public func localFile(for key: String) async throws -> URL { try url(for: key) }
    public func contains(_ key: String) async -> Bool {
        guard let url = try? url(for: key) else { return false }
        return FileManager.default.fileExists(atPath: url.path)
    }
}

/// Files under `<data>/archive`. Keys spread objects over 4,096 directories (`objects/abc/…`): ten million objects
/// make 2,500 files per directory, and a new archive does not pay a mkdir per object. A key is derived from the SOP
/// Instance UID, so the same object always lands in the same place.
public struct LocalFileStorage: StorageBackend {
    public let root: URL
    /// Directories known to exist, so committing does not ask the file system every time.
    let made = KnownDirectories()
    var incoming: URL { root.appendingPathComponent("incoming", isDirectory: true) }

    public init(root: URL) {
        self.root = root
    }

    /// `variant` names a second file for the same object (a replacement written beside the copy it replaces).
    public static func key(forSOPInstanceUID uid: String, variant: String = "") -> String {
        let hex = Checksum.sha256(Data(uid.utf8))
        return "objects/\(hex.prefix(3))/\(hex.prefix(32))\(variant.isEmpty ? "" : "-")\(variant).dcm"
    }

    public func incomingFile() throws -> URL {
        if !FileManager.default.fileExists(atPath: incoming.path) {
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
        }
        return incoming.appendingPathComponent(UUID().uuidString.lowercased() + ".part")
    }

    /// A new object (nothing at `key`): rename first, then flush the file's data and the directory entry at the same
    /// time on NIO's blocking-I/O pool. A crash before both flushes end leaves at most an unindexed file at `key`, which
    /// the sender's retry overwrites (nothing was acknowledged). A replacement flushes the new file before the rename,
    /// so the indexed object is never lost.
    public func commit(_ file: URL, key: String) async throws {
        let target = root.appendingPathComponent(key)
        let directory = target.deletingLastPathComponent()
        if !made.contains(directory.path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            made.insert(directory.path)
        }
        let replacing = FileManager.default.fileExists(atPath: target.path)
        if replacing { try await Self.flush(file.path) }
        guard rename(file.path, target.path) == 0 else {
            throw ArchiveError.storage("cannot move \(file.lastPathComponent) to \(key): \(String(cString: strerror(errno)))")
        }
        if replacing {
            try await Self.flush(directory.path)
        } else {
            async let data: Void = Self.flush(target.path)
            async let name: Void = Self.flush(directory.path)
            _ = try await (data, name)
        }
    }

    /// fsync of a file or directory, off the cooperative threads (a flush can take milliseconds).
    static func flush(_ path: String) async throws {
        try await NIOThreadPool.singleton.runIfActive {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { throw ArchiveError.storage("cannot open \(path)") }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw ArchiveError.storage("fsync failed for \(path)") }
        }
    }

    public func url(for key: String) throws -> URL {
        guard !key.contains(".."), !key.hasPrefix("/") else { throw ArchiveError.storage("invalid key \(key)") }
        return root.appendingPathComponent(key)
    }

    public func remove(_ key: String) throws {
        try FileManager.default.removeItem(at: try url(for: key))
    }

    /// Creates the 4,096 object directories once (a marker file remembers), so storing never waits on mkdir.
    public func prepareLayout() throws {
        let objects = root.appendingPathComponent("objects", isDirectory: true)
        let marker = objects.appendingPathComponent(".layout-4096")
        if FileManager.default.fileExists(atPath: marker.path) { return }
        for n in 0..<4096 {
            let directory = objects.appendingPathComponent(String(format: "%03x", n), isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            made.insert(directory.path)
        }
        FileManager.default.createFile(atPath: marker.path, contents: Data())
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

final class KnownDirectories: Sendable {
    let paths = Mutex<Set<String>>([])
    func contains(_ path: String) -> Bool { paths.withLock { $0.contains(path) } }
    func insert(_ path: String) { _ = paths.withLock { $0.insert(path) } }
}
