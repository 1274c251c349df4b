import Crypto
import Foundation
import Logging
import Platform
import SQLKit

/// Checks stored objects against the SHA-256 recorded at ingest, oldest check first, a few hundred a minute so the
/// disks stay free for readers. A damaged or missing local copy is restored from the cloud copy when there is one
/// (that download is itself verified); otherwise it is flagged for the data-management pages and logged as an error.
public struct IntegrityScrubber: Sendable {
    public let database: Database
    public let storage: TieredStorage
    let logger: Logger

    public init(database: Database, storage: TieredStorage, logger: Logger = Logger(label: "yunying.integrity")) {
        self.database = database
        self.storage = storage
        self.logger = logger
    }

    public struct Result: Codable, Sendable, Equatable {
        public var checked = 0
        public var ok = 0
        public var restored = 0
        public var corrupt = 0
        public var missing = 0
        /// SOP Instance UIDs still damaged or missing (first 50).
        public var problems: [String] = []
    }

    /// Verifies up to `limit` local objects, those never or longest ago checked first; or every object of one study.
    public func verify(studyUID: String? = nil, limit: Int = 200) async throws -> Result {
        let rows = try await database.read { sql in
            if let studyUID {
                return try await sql.raw("""
                    SELECT i.id, i.storage_path, i.sha256, i.sop_uid, i.cloud_status FROM instances i JOIN series se ON se.id = i.series_pk
                    JOIN studies s ON s.id = se.study_pk WHERE s.study_uid = \(bind: studyUID) AND i.tier = 'local' ORDER BY i.id
                    """).all()
            }
            return try await sql.raw("""
                SELECT id, storage_path, sha256, sop_uid, cloud_status FROM instances WHERE tier = 'local'
                ORDER BY CASE WHEN verified_at IS NULL THEN 0 ELSE 1 END, verified_at, id LIMIT \(unsafeRaw: String(limit))
                """).all()
        }
        var result = Result()
        for row in rows {
            let id = try row.int("id"), key = try row.string("storage_path"), expected = try row.string("sha256")
            let sop = try row.string("sop_uid")
            result.checked += 1
            var state = check(key, expected)
            if state != "ok", try row.string("cloud_status") == "uploaded", let remote = storage.remote {
                do {
                    try await remote.get(key, to: try storage.local.url(for: key))
                    if check(key, expected) == "ok" {
                        logger.warning("restored \(sop) from the cloud copy (local copy was \(state))")
                        state = "restored"
                    }
                } catch {
                    logger.error("cannot restore \(sop) from the cloud: \(error)")
                }
            }
            switch state {
            case "ok": result.ok += 1
            case "restored": result.restored += 1
            case "missing": result.missing += 1
            default: result.corrupt += 1
            }
            if state == "corrupt" || state == "missing" {
                logger.error("stored object \(sop) is \(state) (\(key))")
                if result.problems.count < 50 { result.problems.append(sop) }
            }
            let recorded = state == "restored" ? "ok" : state
            try await database.write { sql in
                try await sql.raw("UPDATE instances SET integrity = \(bind: recorded), verified_at = \(bind: Timestamp.string()) WHERE id = \(bind: id) AND storage_path = \(bind: key)").run()
            }
        }
        return result
    }

    func check(_ key: String, _ expected: String) -> String {
        guard let url = try? storage.local.url(for: key), let data = try? Data(contentsOf: url, options: .alwaysMapped) else { return "missing" }
        return Checksum.sha256(data) == expected ? "ok" : "corrupt"
    }

    public func loop(interval: Duration = .seconds(60)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do { _ = try await verify() } catch { logger.error("integrity check: \(error)") }
        }
    }
}
