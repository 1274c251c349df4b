import Crypto
import Foundation
import Platform
import SQLKit

/// Scanned or photographed paper order forms kept with their order as the JPG (or PNG) the scanner, document camera
/// or phone produced (REG-05, REG-15). Files live under `<data>/order-forms/<order>/`, written like archive objects:
/// fsync, rename, directory fsync, then the row — an acknowledged upload survives a power cut.
public struct OrderDocuments: Sendable {
    public let database: Database
    public let root: URL
    public static let maxBytes = 20 * 1024 * 1024
    public static let maxPerOrder = 20

    public init(database: Database, root: URL) {
        self.database = database
        self.root = root
    }

    public struct Document: Codable, Sendable, Equatable {
        public var id: Int
        public var orderId: Int
        public var filename: String
        public var contentType: String
        public var sizeBytes: Int
        public var createdBy: String
        public var createdAt: String
    }

    /// Files `file` (already on this disk) for the order; `contentType` is what its bytes are (sniffed by the caller).
    public func add(order: Int, filename: String, file: URL, contentType: String, by user: String) async throws -> Document {
        guard ["image/jpeg", "image/png"].contains(contentType) else {
            throw DomainError(status: 415, code: "unsupported_media_type", zh: "申请单扫描件请上传 JPG 或 PNG 图片", en: "upload JPG or PNG scans")
        }
        let data = try Data(contentsOf: file, options: .alwaysMapped)
        guard data.count <= Self.maxBytes else {
            throw DomainError(status: 413, code: "payload_too_large", zh: "单个扫描件不能超过 20 MB", en: "a scan may not exceed 20 MB")
        }
        let count = try await database.read { sql in
            try await sql.count("SELECT COUNT(*) AS n FROM order_documents WHERE order_pk = \(bind: order)")
        }
        guard try await database.read({ sql in try await sql.raw("SELECT id FROM orders WHERE id = \(bind: order)").first() }) != nil else {
            throw DomainError.notFound("申请单", "Order")
        }
        guard count < Self.maxPerOrder else {
            throw DomainError.conflict("too_many_documents", "每张申请单最多保存 \(Self.maxPerOrder) 个扫描件", "at most \(Self.maxPerOrder) scans per order")
        }
        let folder = root.appendingPathComponent(String(order), isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let name = UUID().uuidString.lowercased() + (contentType == "image/png" ? ".png" : ".jpg")
        let target = folder.appendingPathComponent(name)
        try Self.durableMove(file, to: target)
        let sha = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let clean = String(filename.replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "\\", with: "_").prefix(120))
        let stamp = Timestamp.string()
        let id = try await database.write { sql in
            try await sql.raw("""
                INSERT INTO order_documents (order_pk, filename, content_type, size_bytes, sha256, path, created_by, created_at)
                VALUES (\(bind: order), \(bind: clean.isEmpty ? name : clean), \(bind: contentType), \(bind: data.count), \(bind: sha),
                        \(bind: String(order) + "/" + name), \(bind: user), \(bind: stamp)) RETURNING id
                """).first()!.int("id")
        }
        return try await get(id).document
    }

    public func list(order: Int) async throws -> [Document] {
        try await database.read { sql in
            try await sql.raw("SELECT * FROM order_documents WHERE order_pk = \(bind: order) ORDER BY id").all().map(Self.decode)
        }
    }

    /// The document and its file, checked against the hash recorded at upload.
    public func get(_ id: Int) async throws -> (document: Document, url: URL) {
        let row = try await database.read { sql in try await sql.raw("SELECT * FROM order_documents WHERE id = \(bind: id)").first() }
        guard let row else { throw DomainError.notFound("扫描件", "Document") }
        return (try Self.decode(row), root.appendingPathComponent(try row.string("path")))
    }

    public func delete(_ id: Int) async throws -> Document {
        let (document, url) = try await get(id)
        try await database.write { sql in try await sql.raw("DELETE FROM order_documents WHERE id = \(bind: id)").run() }
        try? FileManager.default.removeItem(at: url)
        return document
    }

    static func decode(_ r: any SQLRow) throws -> Document {
        Document(id: try r.int("id"), orderId: try r.int("order_pk"), filename: try r.string("filename"), contentType: try r.string("content_type"),
                 sizeBytes: try r.int("size_bytes"), createdBy: try r.string("created_by"), createdAt: try r.string("created_at"))
    }

    /// fsync the file, rename it into place, fsync the directory.
    static func durableMove(_ source: URL, to target: URL) throws {
        func sync(_ path: String, directory: Bool) throws {
            let fd = open(path, directory ? O_RDONLY | O_DIRECTORY : O_RDONLY)
            guard fd >= 0 else { throw DomainError(status: 500, code: "storage", zh: "扫描件保存失败", en: "cannot open \(path)") }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw DomainError(status: 507, code: "storage_full", zh: "扫描件保存失败（磁盘）", en: "fsync failed") }
        }
        try sync(source.path, directory: false)
        guard rename(source.path, target.path) == 0 else {
            // Another file system: copy, then sync the copy.
            try FileManager.default.copyItem(at: source, to: target)
            try? FileManager.default.removeItem(at: source)
            try sync(target.path, directory: false)
            try sync(target.deletingLastPathComponent().path, directory: true)
            return
        }
        try sync(target.deletingLastPathComponent().path, directory: true)
    }
}
