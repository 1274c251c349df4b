import Crypto
import Foundation
import Logging
import Platform
import SQLKit

/// Local disk first, an S3-compatible object store behind it (ARC-01, ARC-06). New objects are always written
/// locally (durable before acknowledgement); the tiering policy later moves older studies to the object store.
/// Readers ask for `localFile(for:)` and get the local copy, or a copy fetched back into a cache and verified
/// against the SHA-256 recorded at upload.
public struct TieredStorage: StorageBackend {
    public let local: LocalFileStorage
    public let remote: S3Client?
    let cache: URL

    public init(local: LocalFileStorage, remote: S3Client?) {
        self.local = local
        self.remote = remote
        cache = local.root.appendingPathComponent("cache", isDirectory: true)
    }

    public func incomingFile() throws -> URL { try local.incomingFile() }
    public func commit(_ incoming: URL, key: String) async throws { try await local.commit(incoming, key: key) }
    public func url(for key: String) throws -> URL { try local.url(for: key) }

    public func localFile(for key: String) async throws -> URL {
        let url = try local.url(for: key)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        guard let remote else { throw ArchiveError.storage("\(key) is missing from the local store") }
        let cached = cache.appendingPathComponent(key)
        if FileManager.default.fileExists(atPath: cached.path) {
            // The modification time marks the last use (atime is often off): pruning removes the longest unused.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: cached.path)
            return cached
        }
        try await remote.get(key, to: cached)
        return cached
    }

    /// Bytes in the fetch-back cache and the number of files.
    public func cacheUsage() -> (bytes: Int, files: Int) {
        cachedFiles().reduce((0, 0)) { ($0.0 + $1.size, $0.1 + 1) }
    }

    /// Deletes the least recently used cached copies until the cache holds at most `maxBytes`; returns how many went.
    /// A copy being read right now is safe: the reader holds it open (or mapped) and the inode lives until it closes.
    @discardableResult
    public func pruneCache(maxBytes: Int) -> Int {
        var files = cachedFiles()
        var total = files.reduce(0) { $0 + $1.size }
        guard total > maxBytes else { return 0 }
        files.sort { $0.used < $1.used }
        var removed = 0
        for file in files where total > maxBytes {
            guard (try? FileManager.default.removeItem(at: file.url)) != nil else { continue }
            total -= file.size
            removed += 1
        }
        return removed
    }

    func cachedFiles() -> [(url: URL, size: Int, used: Date)] {
        let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]
        guard let walker = FileManager.default.enumerator(at: cache, includingPropertiesForKeys: keys) else { return [] }
        var out: [(URL, Int, Date)] = []
        for case let url as URL in walker {
            guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true else { continue }
            out.append((url, values.fileSize ?? 0, values.contentModificationDate ?? .distantPast))
        }
        return out
    }

    public func contains(_ key: String) async -> Bool {
        if let url = try? local.url(for: key), FileManager.default.fileExists(atPath: url.path) { return true }
        guard let remote else { return false }
        return ((try? await remote.head(key)) ?? nil) != nil
    }

    /// Removes the local and cached copies; the object-store copy of a replaced object is deleted in the background
    /// (an orphan there costs space, never correctness: the index no longer points at it).
    public func remove(_ key: String) throws {
        let url = try local.url(for: key)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
        try? FileManager.default.removeItem(at: cache.appendingPathComponent(key))
        if let remote { Task { try? await remote.delete(key) } }
    }

    public func prepareLayout() throws { try local.prepareLayout() }
    public func sweepIncoming() { local.sweepIncoming() }
}

/// The cloud archive (ARC-01): every instance is copied to the object store once its study is complete
/// (`StudyCompletion`; payload hash = the SHA-256 from ingest, so the store verifies the bytes); failures are kept with their
/// reason and retried; local copies of studies older than the keep period are evicted once their cloud copy exists.
public struct CloudArchiver: Sendable {
    public let database: Database
    public let storage: TieredStorage
    /// Evict local copies of uploaded studies that received nothing for this many days (nil: keep everything local).
    public var keepLocalDays: Int?
    /// The most the fetch-back cache may hold; the loop prunes the least recently read copies beyond it.
    public var cacheMaxBytes = 20 << 30
    public var maxAttempts = 5
    let logger: Logger

    public init(database: Database, storage: TieredStorage, keepLocalDays: Int?, logger: Logger = Logger(label: "yunying.cloud")) {
        self.database = database
        self.storage = storage
        self.keepLocalDays = keepLocalDays
        self.logger = logger
    }

    public struct Result: Codable, Sendable, Equatable {
        public var uploaded = 0
        public var failed = 0
        public var evicted = 0
        public var bytes = 0
        public var errors: [String] = []
    }

    public var enabled: Bool { storage.remote != nil }

    func requireStore() throws -> S3Client {
        guard let remote = storage.remote else {
            throw DomainError(status: 409, code: "no_object_store", zh: "未配置云存储（YUNYING_S3_*），无法归档到云端",
                              en: "no object store is configured (YUNYING_S3_*)")
        }
        return remote
    }

    /// Uploads up to `limit` pending instances of complete studies (`now`: of every study, for "archive now").
    public func upload(now: Bool = false, limit: Int = 2000, scope: Scope = .everything) async throws -> Result {
        let remote = try requireStore()
        let completeOnly = now ? "" : " AND s.completed_at IS NOT NULL"
        let query = SQLQueryString("""
            SELECT i.id, i.storage_path, i.sha256, i.size_bytes, i.cloud_attempts FROM instances i JOIN series se ON se.id = i.series_pk
            JOIN studies s ON s.id = se.study_pk
            WHERE i.cloud_status = 'pending'
            """ + completeOnly + " AND") + ArchiveQueryService.scopeFilter(scope) + SQLQueryString(" ORDER BY i.id LIMIT " + String(limit))
        let rows = try await database.read { sql in try await sql.raw(query).all() }
        var result = Result()
        for row in rows {
            let id = try row.int("id"), key = try row.string("storage_path"), sha = try row.string("sha256"), size = try row.int("size_bytes")
            let attempts = try row.int("cloud_attempts") + 1
            do {
                try await remote.put(key, file: try storage.local.url(for: key), sha256: sha)
                try await mark(id, key: key, sha: sha, status: "uploaded", error: "", attempts: attempts)
                result.uploaded += 1
                result.bytes += size
            } catch {
                // A few quick retries on later rounds, then it waits for a person (DM-05 "re-run failed jobs").
                try? await mark(id, key: key, sha: sha, status: attempts >= maxAttempts ? "failed" : "pending", error: String("\(error)".prefix(500)),
                                attempts: attempts)
                result.failed += 1
                if result.errors.count < 20 { result.errors.append("\(key): \(error)") }
                logger.warning("cloud upload of \(key) failed (attempt \(attempts)): \(error)")
            }
        }
        if result.uploaded > 0 { logger.info("cloud archive: \(result.uploaded) objects, \(result.bytes) bytes uploaded") }
        return result
    }

    /// Records an upload's outcome only if the row still describes the object that was uploaded: a replacement or a
    /// patient correction in the meantime points the row at a new file, which must not be marked as in the cloud.
    func mark(_ id: Int, key: String, sha: String, status: String, error: String, attempts: Int) async throws {
        try await database.write { sql in
            try await sql.raw("""
                UPDATE instances SET cloud_status = \(bind: status), cloud_error = \(bind: error), cloud_attempts = \(bind: attempts),
                  cloud_at = \(bind: Timestamp.string())
                WHERE id = \(bind: id) AND storage_path = \(bind: key) AND sha256 = \(bind: sha) AND cloud_status = 'pending'
                """).run()
        }
    }

    /// Removes local copies of uploaded instances in studies quiet for `days` (default: the keep period).
    public func evict(olderThanDays days: Int? = nil, limit: Int = 5000, scope: Scope = .everything) async throws -> Result {
        _ = try requireStore()
        guard let days = days ?? keepLocalDays else { return Result() }
        let cutoff = Timestamp.string(Date().addingTimeInterval(-Double(days) * 86_400))
        let rows = try await database.read { sql in
            try await sql.raw("""
                SELECT i.id, i.storage_path, i.size_bytes FROM instances i JOIN series se ON se.id = i.series_pk JOIN studies s ON s.id = se.study_pk
                WHERE i.cloud_status = 'uploaded' AND i.tier = 'local' AND s.last_received_at <= \(bind: cutoff) AND
                """ + ArchiveQueryService.scopeFilter(scope) + " ORDER BY i.id LIMIT \(unsafeRaw: String(limit))").all()
        }
        var result = Result()
        for row in rows {
            let id = try row.int("id"), key = try row.string("storage_path")
            // Only if the row still points at this uploaded file; and only when the store confirms it has it.
            guard ((try? await storage.remote?.head(key)) ?? nil) != nil else { continue }
            let changed = try await database.write { sql in
                try await sql.raw("""
                    UPDATE instances SET tier = 's3' WHERE id = \(bind: id) AND storage_path = \(bind: key) AND cloud_status = 'uploaded' AND tier = 'local'
                    RETURNING id
                    """).first() != nil
            }
            guard changed else { continue }
            try? FileManager.default.removeItem(at: try storage.local.url(for: key))
            result.evicted += 1
            result.bytes += try row.int("size_bytes")
        }
        return result
    }

    /// Failed uploads (of one study, or all) go back to the queue.
    public func retryFailed(studyUID: String?, scope: Scope = .everything) async throws -> Int {
        _ = try requireStore()
        var filter: SQLQueryString = "cloud_status = 'failed' AND series_pk IN (SELECT se.id FROM series se JOIN studies s ON s.id = se.study_pk WHERE"
            + ArchiveQueryService.scopeFilter(scope)
        if let studyUID, !studyUID.isEmpty { filter = filter + " AND s.study_uid = \(bind: studyUID)" }
        filter = filter + ")"
        let condition = filter
        return try await database.write { sql in
            let n = try await sql.count("SELECT COUNT(*) AS n FROM instances WHERE " + condition)
            try await sql.raw("UPDATE instances SET cloud_status = 'pending', cloud_attempts = 0 WHERE " + condition).run()
            return n
        }
    }

    /// Uploads and evictions every `interval` until cancelled (only when an object store is configured).
    public func loop(interval: Duration = .seconds(60)) async {
        guard enabled else { return }
        while !Task.isCancelled {
            do {
                _ = try await upload()
                _ = try await evict()
                let pruned = storage.pruneCache(maxBytes: cacheMaxBytes)
                if pruned > 0 { logger.info("cloud fetch-back cache: \(pruned) least recently read copies removed") }
            } catch {
                logger.error("cloud archive: \(error)")
            }
            try? await Task.sleep(for: interval)
        }
    }
}
