import DICOM
import DICOMNetwork
import Foundation
import Platform
import SQLKit
import Synchronization

/// A remote DICOM application entity we know: modality, workstation, another PACS.
public struct ApplicationEntity: Sendable, Codable, Equatable {
    public var id: Int
    public var aeTitle: String
    public var host: String
    public var port: Int
    public var description: String
    public var institutionId: Int?
    /// What this AE may ask of us when it calls (see `ApplicationEntityService.services`).
    public var services: [String]
    public var active: Bool
    /// Reached over DICOM TLS when we call it (MOVE destination, commitment report, echo, remote query).
    public var tls: Bool
    public var updatedAt: String
}

public struct ApplicationEntityInput: Sendable, Codable, Equatable {
    public var aeTitle: String?
    public var host: String?
    public var port: Int?
    public var description: String?
    public var institutionId: Int?
    public var services: [String]?
    public var active: Bool?
    public var tls: Bool?
    public init(aeTitle: String? = nil, host: String? = nil, port: Int? = nil, description: String? = nil, institutionId: Int? = nil,
                services: [String]? = nil, active: Bool? = nil, tls: Bool? = nil) {
        self.tls = tls
        self.aeTitle = aeTitle
        self.host = host
        self.port = port
        self.description = description
        self.institutionId = institutionId
        self.services = services
        self.active = active
    }
}

/// The result of testing a peer from the admin page.
public struct EchoResult: Sendable, Codable, Equatable {
    public var ok: Bool
    public var status: Int?
    public var milliseconds: Int
    public var message: String
    public var messageEn: String
}

/// Known application entities, kept in the database and mirrored in memory so the association acceptor can
/// check a calling AE title without a query.
public final class ApplicationEntityService: Sendable {
    /// Services a calling AE can be allowed: C-STORE, C-FIND, C-MOVE (as requestor; destinations need an address),
    /// C-GET, worklist, MPPS, storage commitment.
    public static let services = ["store", "find", "move", "get", "worklist", "mpps", "commitment"]

    let database: Database
    public let localAETitle: String
    let cache = Mutex<[String: ApplicationEntity]>([:])

    public init(database: Database, localAETitle: String) {
        self.database = database
        self.localAETitle = localAETitle
    }

    // MARK: Cache for the network layer

    public func reload() async throws {
        let all = try await database.read { sql in try await sql.raw("SELECT * FROM application_entities").all().map(Self.decode) }
        cache.withLock { $0 = Dictionary(all.map { ($0.aeTitle, $0) }, uniquingKeysWith: { a, _ in a }) }
    }

    public func isKnown(_ aeTitle: String) -> Bool { cache.withLock { $0[aeTitle]?.active ?? false } }

    /// Whether a calling AE may use a service; unknown callers (accepted because "accept any" is on) may use all.
    public func allows(_ aeTitle: String, _ service: String) -> Bool {
        cache.withLock { entries in
            guard let entry = entries[aeTitle] else { return true }
            return entry.active && entry.services.contains(service)
        }
    }

    /// The institution a known node belongs to; its studies are filed under it.
    public func institutionID(of aeTitle: String) -> Int? {
        cache.withLock { $0[aeTitle]?.institutionId }
    }

    public func address(of aeTitle: String) async -> RemoteAE? {
        cache.withLock { entries in
            guard let e = entries[aeTitle], e.active else { return nil }
            return RemoteAE(aeTitle: e.aeTitle, host: e.host, port: e.port, tls: e.tls)
        }
    }

    /// Peers from `YUNYING_DICOM_PEERS` are filed once, so they show up (and can be edited) in the admin pages.
    public func seed(_ peers: [YunyingConfig.DICOMPeer]) async throws {
        for peer in peers {
            let exists = try await database.read { sql in
                try await sql.raw("SELECT id FROM application_entities WHERE ae_title = \(bind: peer.aeTitle)").first() != nil
            }
            if !exists {
                _ = try await create(ApplicationEntityInput(aeTitle: peer.aeTitle, host: peer.host, port: peer.port,
                                                            description: "来自配置 YUNYING_DICOM_PEERS", services: Self.services, active: true))
            }
        }
        try await reload()
    }

    // MARK: Administration

    public func list(text: String?, page: PageRequest) async throws -> Page<ApplicationEntity> {
        var filter: SQLQueryString = "1 = 1"
        if let t = text?.trimmingCharacters(in: .whitespaces), !t.isEmpty {
            let p = likePattern(t)
            filter = "(LOWER(ae_title) LIKE \(bind: p) ESCAPE '\\' OR LOWER(host) LIKE \(bind: p) ESCAPE '\\' OR LOWER(description) LIKE \(bind: p) ESCAPE '\\')"
        }
        let condition = filter
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM application_entities WHERE " + condition)
            let rows = try await sql.raw(
                "SELECT * FROM application_entities WHERE " + condition
                    + " ORDER BY ae_title LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            return Page(items: try rows.map(Self.decode), total: total, request: page)
        }
    }

    public func get(_ id: Int) async throws -> ApplicationEntity {
        try await database.read { sql in try await Self.fetch(id, sql) }
    }

    static func fetch(_ id: Int, _ sql: any SQLDatabase) async throws -> ApplicationEntity {
        guard let row = try await sql.raw("SELECT * FROM application_entities WHERE id = \(bind: id)").first() else {
            throw DomainError.notFound("DICOM 节点", "Application entity")
        }
        return try decode(row)
    }

    static func decode(_ row: any SQLRow) throws -> ApplicationEntity {
        ApplicationEntity(
            id: try row.int("id"), aeTitle: try row.string("ae_title"), host: try row.string("host"), port: try row.int("port"),
            description: try row.string("description"), institutionId: try row.intOrNil("institution_id"),
            services: try row.string("services").split(separator: ",").map(String.init), active: try row.bool("active"),
            tls: try row.bool("tls"), updatedAt: try row.string("updated_at"))
    }

    /// AE titles are 1–16 characters of the default repertoire without backslash or control characters (PS3.5).
    static func validate(_ input: ApplicationEntityInput, partial: Bool) throws -> ApplicationEntityInput {
        var v = Validator()
        var out = input
        out.aeTitle = input.aeTitle?.trimmingCharacters(in: .whitespaces)
        if let ae = out.aeTitle {
            if ae.isEmpty || ae.count > 16 || ae.contains("\\") || ae.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value > 0x7E }) {
                v.add("aeTitle", "invalid", "AE Title 须为 1–16 个英文字母、数字或符号，不能含反斜杠", "AE title must be 1–16 printable ASCII characters without backslash")
            }
        } else if !partial {
            v.add("aeTitle", "required", "请填写 AE Title", "AE title is required")
        }
        out.host = input.host?.trimmingCharacters(in: .whitespaces)
        if let host = out.host {
            if host.isEmpty || host.count > 255 || host.contains(" ") {
                v.add("host", "invalid", "请填写有效的 IP 地址或主机名", "Enter a valid IP address or host name")
            }
        } else if !partial {
            v.add("host", "required", "请填写 IP 地址或主机名", "Host is required")
        }
        if let port = input.port {
            if !(1...65535).contains(port) { v.add("port", "range", "端口须在 1–65535 之间", "Port must be between 1 and 65535") }
        } else if !partial {
            v.add("port", "required", "请填写端口", "Port is required")
        }
        _ = v.text(input.description, field: "description", label: ("说明", "Description"), required: false, maxLength: 128)
        if let services = input.services, let bad = services.first(where: { !Self.services.contains($0) }) {
            v.add("services", "invalid", "未知的服务：\(bad)", "Unknown service: \(bad)")
        }
        try v.check()
        return out
    }

    public func create(_ raw: ApplicationEntityInput) async throws -> ApplicationEntity {
        let input = try Self.validate(raw, partial: false)
        let stamp = Timestamp.string()
        let created = try await database.write { sql -> ApplicationEntity in
            if try await sql.raw("SELECT id FROM application_entities WHERE ae_title = \(bind: input.aeTitle!)").first() != nil {
                throw DomainError.conflict("duplicate", "AE Title \(input.aeTitle!) 已登记", "AE title \(input.aeTitle!) already exists")
            }
            let id = try await sql.raw("""
                INSERT INTO application_entities (ae_title, host, port, description, institution_id, services, active, tls, created_at, updated_at)
                VALUES (\(bind: input.aeTitle!), \(bind: input.host!), \(bind: input.port!), \(bind: input.description ?? ""),
                        \(bind: input.institutionId), \(bind: (input.services ?? Self.services).joined(separator: ",")),
                        \(bind: input.active ?? true), \(bind: input.tls ?? false), \(bind: stamp), \(bind: stamp)) RETURNING id
                """).first()!.int("id")
            return try await Self.fetch(id, sql)
        }
        try await reload()
        return created
    }

    public func update(_ id: Int, _ raw: ApplicationEntityInput) async throws -> ApplicationEntity {
        let input = try Self.validate(raw, partial: true)
        let stamp = Timestamp.string()
        let updated = try await database.write { sql -> ApplicationEntity in
            var current = try await Self.fetch(id, sql)
            if let ae = input.aeTitle, ae != current.aeTitle,
                try await sql.raw("SELECT id FROM application_entities WHERE ae_title = \(bind: ae)").first() != nil
            {
                throw DomainError.conflict("duplicate", "AE Title \(ae) 已登记", "AE title \(ae) already exists")
            }
            current.aeTitle = input.aeTitle ?? current.aeTitle
            current.host = input.host ?? current.host
            current.port = input.port ?? current.port
            current.description = input.description ?? current.description
            current.institutionId = input.institutionId ?? current.institutionId
            current.services = input.services ?? current.services
            current.active = input.active ?? current.active
            current.tls = input.tls ?? current.tls
            try await sql.raw("""
                UPDATE application_entities SET ae_title = \(bind: current.aeTitle), host = \(bind: current.host), port = \(bind: current.port),
                  description = \(bind: current.description), institution_id = \(bind: current.institutionId),
                  services = \(bind: current.services.joined(separator: ",")), active = \(bind: current.active), tls = \(bind: current.tls),
                  updated_at = \(bind: stamp)
                WHERE id = \(bind: id)
                """).run()
            return try await Self.fetch(id, sql)
        }
        try await reload()
        return updated
    }

    public func delete(_ id: Int) async throws {
        try await database.write { sql in
            _ = try await Self.fetch(id, sql)
            try await sql.raw("DELETE FROM application_entities WHERE id = \(bind: id)").run()
        }
        try await reload()
    }
}
