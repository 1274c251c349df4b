import Foundation
import SQLKit

/// What an audit record says happened.
public struct AuditEvent: Sendable {
    public enum Outcome: String, Sendable, Codable, CaseIterable {
        case success
        case failure
        case denied
    }

    public var action: String
    public var objectType: String?
    public var objectID: String?
    public var patientID: String?
    public var outcome: Outcome
    public var detail: String?

    public init(
        action: String, objectType: String? = nil, objectID: String? = nil, patientID: String? = nil,
        outcome: Outcome = .success, detail: String? = nil
    ) {
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.patientID = patientID
        self.outcome = outcome
        self.detail = detail
    }
}

/// Who did it, from where. Anonymous events (a failed login) carry the attempted name and no user id.
public struct AuditActor: Sendable {
    public var userID: Int?
    public var username: String?
    public var roles: String?
    public var clientIP: String?

    public init(userID: Int? = nil, username: String? = nil, roles: String? = nil, clientIP: String? = nil) {
        self.userID = userID
        self.username = username
        self.roles = roles
        self.clientIP = clientIP
    }

    public init(_ principal: Principal, clientIP: String?) {
        self.init(userID: principal.userID, username: principal.username, roles: principal.roleCodes, clientIP: clientIP)
    }
}

public struct AuditRecord: Sendable, Codable, Equatable {
    public var id: Int
    public var at: String
    public var userId: Int?
    public var username: String?
    public var roles: String?
    public var clientIp: String?
    public var action: String
    public var objectType: String?
    public var objectId: String?
    public var patientId: String?
    public var outcome: String
    public var detail: String?
    public var prevHash: String
    public var hash: String

    /// The record's digest covers every field and the previous record's digest, so editing, inserting or
    /// deleting a record breaks the chain at that point.
    static func computeHash(
        prev: String, at: String, userID: Int?, username: String?, roles: String?, clientIP: String?,
        action: String, objectType: String?, objectID: String?, patientID: String?, outcome: String,
        detail: String?
    ) -> String {
        let fields: [String?] = [
            prev, at, userID.map(String.init), username, roles, clientIP, action, objectType,
            objectID, patientID, outcome, detail,
        ]
        return Secrets.sha256Hex(fields.map { $0.map { "v" + $0 } ?? "-" }.joined(separator: "\u{1F}"))
    }

    var expectedHash: String {
        Self.computeHash(
            prev: prevHash, at: at, userID: userId, username: username, roles: roles, clientIP: clientIp,
            action: action, objectType: objectType, objectID: objectId, patientID: patientId,
            outcome: outcome, detail: detail)
    }
}

public struct AuditQuery: Sendable {
    public var username: String?
    public var patientID: String?
    public var action: String?
    public var outcome: String?
    public var from: String?
    public var to: String?
    public init(
        username: String? = nil, patientID: String? = nil, action: String? = nil, outcome: String? = nil,
        from: String? = nil, to: String? = nil
    ) {
        self.username = username
        self.patientID = patientID
        self.action = action
        self.outcome = outcome
        self.from = from
        self.to = to
    }
}

public struct AuditVerification: Sendable, Codable, Equatable {
    public var ok: Bool
    public var records: Int
    public var brokenAt: Int?
    /// `content_altered` or `link_broken`.
    public var reasonCode: String?
    public var reason: String?
}

/// The append-only, hash-chained audit trail (DM-04 access audit, MON-02 operation log).
public struct AuditLog: Sendable {
    public static let genesis = String(repeating: "0", count: 64)
    let database: Database

    public init(database: Database) { self.database = database }

    /// Appends one record. The chain head is read and extended inside one transaction; on PostgreSQL an
    /// advisory lock keeps concurrent writers (several server processes) from forking the chain.
    public func record(_ event: AuditEvent, by actor: AuditActor) async throws {
        let engine = database.engine
        let detail = event.detail.map { String($0.prefix(2000)) }
        try await database.write { sql in
            if engine == .postgres { try await sql.raw("SELECT pg_advisory_xact_lock(727501)").run() }
            let prev =
                try await sql.raw("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").first()?.string("hash")
                ?? Self.genesis
            let at = Timestamp.string()
            let hash = AuditRecord.computeHash(
                prev: prev, at: at, userID: actor.userID, username: actor.username, roles: actor.roles,
                clientIP: actor.clientIP, action: event.action, objectType: event.objectType, objectID: event.objectID,
                patientID: event.patientID, outcome: event.outcome.rawValue, detail: detail)
            try await sql.raw(
                """
                INSERT INTO audit_log (at, user_id, username, roles, client_ip, action, object_type, object_id, patient_id,
                  outcome, detail, prev_hash, hash)
                VALUES (\(bind: at), \(bind: actor.userID), \(bind: actor.username), \(bind: actor.roles), \(bind: actor.clientIP),
                  \(bind: event.action), \(bind: event.objectType), \(bind: event.objectID), \(bind: event.patientID),
                  \(bind: event.outcome.rawValue), \(bind: detail), \(bind: prev), \(bind: hash))
                """
            ).run()
        }
    }

    public func search(_ query: AuditQuery, page: PageRequest) async throws -> Page<AuditRecord> {
        let filter = Self.whereClause(query)
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM audit_log WHERE " + filter)
            let rows = try await sql.raw(
                "SELECT * FROM audit_log WHERE " + filter
                    + " ORDER BY id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            return Page(items: try rows.map(Self.decode), total: total, request: page)
        }
    }

    /// Up to `limit` matching records, newest first, for export.
    public func export(_ query: AuditQuery, limit: Int = 100_000) async throws -> [AuditRecord] {
        let filter = Self.whereClause(query)
        return try await database.read { sql in
            try await sql.raw("SELECT * FROM audit_log WHERE " + filter + " ORDER BY id DESC LIMIT \(unsafeRaw: String(limit))")
                .all().map(Self.decode)
        }
    }

    /// Walks the chain from the first record and reports the first record whose digest or link is wrong.
    public func verify() async throws -> AuditVerification {
        var prev = Self.genesis
        var lastID = 0
        var count = 0
        while true {
            let after = lastID
            let batch = try await database.read { sql in
                try await sql.raw("SELECT * FROM audit_log WHERE id > \(bind: after) ORDER BY id LIMIT 1000").all()
                    .map(Self.decode)
            }
            if batch.isEmpty { return AuditVerification(ok: true, records: count, brokenAt: nil, reasonCode: nil, reason: nil) }
            for record in batch {
                if record.prevHash != prev {
                    return AuditVerification(
                        ok: false, records: count, brokenAt: record.id, reasonCode: "link_broken",
                        reason: "link to the previous record is broken (a record was removed or inserted)")
                }
                if record.hash != record.expectedHash {
                    return AuditVerification(
                        ok: false, records: count, brokenAt: record.id, reasonCode: "content_altered",
                        reason: "record content does not match its hash (the record was altered)")
                }
                prev = record.hash
                lastID = record.id
                count += 1
            }
        }
    }

    static func whereClause(_ q: AuditQuery) -> SQLQueryString {
        var parts: [SQLQueryString] = ["1 = 1"]
        if let v = q.username, !v.isEmpty { parts.append("LOWER(username) = \(bind: v.lowercased())") }
        if let v = q.patientID, !v.isEmpty { parts.append("patient_id = \(bind: v)") }
        if let v = q.action, !v.isEmpty { parts.append("action LIKE \(bind: v.replacingOccurrences(of: "%", with: "") + "%")") }
        if let v = q.outcome, !v.isEmpty { parts.append("outcome = \(bind: v)") }
        if let v = q.from.flatMap(Timestamp.normalized) { parts.append("at >= \(bind: v)") }
        if let to = q.to, let end = Timestamp.parse(to) {
            // A bare date means the whole day.
            if to.count == 10 {
                parts.append("at < \(bind: Timestamp.string(end.addingTimeInterval(86400)))")
            } else {
                parts.append("at <= \(bind: Timestamp.string(end))")
            }
        }
        return parts.joined(separator: " AND ")
    }

    static func decode(_ row: any SQLRow) throws -> AuditRecord {
        AuditRecord(
            id: try row.int("id"), at: try row.string("at"), userId: try row.intOrNil("user_id"),
            username: try row.stringOrNil("username"), roles: try row.stringOrNil("roles"),
            clientIp: try row.stringOrNil("client_ip"), action: try row.string("action"),
            objectType: try row.stringOrNil("object_type"), objectId: try row.stringOrNil("object_id"),
            patientId: try row.stringOrNil("patient_id"), outcome: try row.string("outcome"),
            detail: try row.stringOrNil("detail"), prevHash: try row.string("prev_hash"), hash: try row.string("hash"))
    }
}
