import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Platform
import Server
import Testing

/// Boots the real router in-process on an in-memory SQLite database with demo data.
struct TestApp {
    static let adminPassword = "Yy#Passw0rd2026"
    static let demoPassword = "Demo#2026pw"

    static func run(_ body: @Sendable (TestSession, [RouteSpec], AppServices) async throws -> Void) async throws {
        setenv("YUNYING_BCRYPT_COST", "4", 1)
        let db = try await Database.openSQLite(path: nil)
        do {
            _ = try await Bootstrap.prepare(database: db, adminPassword: adminPassword)
            _ = try await DemoData.load(database: db, password: demoPassword)
            let dir = NSTemporaryDirectory() + "yy-test-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let services = AppServices(config: YunyingConfig(dataDir: dir, webDir: "/nonexistent"), database: db)
            let (router, specs) = buildRouter(services: services, logger: Logger(label: "test"))
            let app = Application(router: router)
            try await app.test(.router) { client in
                try await body(TestSession(client: client), specs, services)
            }
        } catch {
            await db.close()
            throw error
        }
        await db.close()
    }
}

struct Reply: Sendable {
    let status: Int
    let headers: HTTPFields
    let body: Data
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
}

/// A browser-like caller: keeps the session cookie and CSRF token of its last login.
final class TestSession: @unchecked Sendable {
    let client: any TestClientProtocol
    var cookie: String?
    var csrf: String?
    var bearer: String?

    init(client: any TestClientProtocol) { self.client = client }

    func fork() -> TestSession { TestSession(client: client) }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: Any? = nil, raw: Data? = nil, csrf sendCSRF: Bool = true,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let cookie { headers[.cookie] = cookie }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if sendCSRF, let csrf, method != .get { headers[HTTPField.Name("X-CSRF-Token")!] = csrf }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
        } else if let raw {
            body = ByteBuffer(bytes: raw)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
            Reply(status: Int(response.status.code), headers: response.headers, body: Data(response.body.readableBytesView))
        }
    }

    @discardableResult
    func login(_ username: String, _ password: String) async throws -> Reply {
        let reply = try await call(.post, "/api/auth/login", json: ["username": username, "password": password])
        if reply.status == 200 {
            let setCookie = reply.headers[values: .setCookie].first { $0.hasPrefix("yy_session=") } ?? ""
            cookie = String(setCookie.split(separator: ";").first ?? "")
            csrf = reply.json["csrfToken"] as? String
        }
        return reply
    }

    /// Logs in a demo user and completes the forced first password change.
    func loginChangingPassword(_ username: String, from old: String = TestApp.demoPassword, to new: String = "Knee#Dr2026z") async throws {
        try #require(try await login(username, old).status == 200)
        try #require(try await call(.post, "/api/me/password", json: ["currentPassword": old, "newPassword": new]).status == 204)
    }
}

extension RouteSpec {
    /// A concrete URI for the route's pattern.
    var sampleURI: String {
        "/"
            + path.split(separator: "/").map { part in
                switch part {
                case ":id": "1"
                case ":kind": "institutions"
                default: String(part)
                }
            }.joined(separator: "/")
    }
}
