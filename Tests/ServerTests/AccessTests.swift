import Foundation
import HTTPTypes
import Platform
import Server
import Testing

@Suite("HTTP access control")
struct AccessTests {
    @Test("every protected route refuses anonymous callers (401) and callers without its permission (403)")
    func everyRoute() async throws {
        try await TestApp.run { admin, specs, services in
            try await admin.login("admin", TestApp.adminPassword)
            let created = try await admin.call(
                .post, "/api/users", json: ["username": "nobody", "displayName": "无权限", "institutionId": 1, "password": "Scan#Desk2026"])
            #expect(created.status == 201)
            let id = try #require((created.json["user"] as? [String: Any])?["id"] as? Int)
            let nobody = admin.fork()
            try await nobody.loginChangingPassword("nobody", from: "Scan#Desk2026")
            let anonymous = admin.fork()
            var checked = 0
            for spec in specs {
                switch spec.access {
                case .anonymous:
                    continue
                case .authenticated:
                    let reply = try await anonymous.call(spec.method, spec.sampleURI, json: [:])
                    #expect(reply.status == 401, "\(spec.method) \(spec.path) without login")
                case .permission(let permission):
                    let anon = try await anonymous.call(spec.method, spec.sampleURI, json: [:])
                    #expect(anon.status == 401 && anon.errorCode == "unauthenticated", "\(spec.method) \(spec.path) without login")
                    let denied = try await nobody.call(spec.method, spec.sampleURI, json: [:])
                    #expect(
                        denied.status == 403 && denied.errorCode == "forbidden",
                        "\(spec.method) \(spec.path) without \(permission.rawValue)")
                    checked += 1
                }
            }
            #expect(checked >= 30, "the route list covers users, roles, policy, audit and dictionaries")
            let groups = Set(
                specs.compactMap { spec -> String? in
                    if case .permission = spec.access { return spec.path.split(separator: "/").dropFirst().first.map(String.init) }
                    return nil
                })
            #expect(groups.isSuperset(of: ["users", "roles", "permissions", "security", "audit", "dictionaries"]))
            // Refusals are audited.
            let denials = try await services.audit.search(AuditQuery(username: "nobody", outcome: "denied"), page: PageRequest())
            #expect(denials.total >= checked)
            _ = id
        }
    }

    @Test("cookie-authenticated writes need the CSRF token; bearer tokens do not")
    func csrf() async throws {
        try await TestApp.run { admin, _, _ in
            try await admin.login("admin", TestApp.adminPassword)
            let body: [String: Any] = ["code": "CSRF1", "name": "测试", "dicomValue": "CHEST"]
            let missing = try await admin.call(.post, "/api/dictionaries/body-parts", json: body, csrf: false)
            #expect(missing.status == 403 && missing.errorCode == "csrf_failed")
            let wrong = try await admin.call(
                .post, "/api/dictionaries/body-parts", json: body, csrf: false,
                headers: [HTTPField.Name("X-CSRF-Token")!: "forged"])
            #expect(wrong.status == 403 && wrong.errorCode == "csrf_failed")
            #expect(try await admin.call(.get, "/api/dictionaries/body-parts", csrf: false).status == 200, "reads need no token")
            #expect(try await admin.call(.post, "/api/dictionaries/body-parts", json: body).status == 201)

            let token = try await admin.call(.post, "/api/me/tokens", json: ["name": "集成平台", "expiresInDays": 30])
            #expect(token.status == 201)
            let machine = admin.fork()
            machine.bearer = try #require(token.json["token"] as? String)
            let viaToken = try await machine.call(.post, "/api/dictionaries/body-parts", json: ["code": "CSRF2", "name": "令牌"])
            #expect(viaToken.status == 201)
            let revoked = try await admin.call(.delete, "/api/me/tokens/\(token.json["id"] as! Int)")
            #expect(revoked.status == 204)
            #expect(try await machine.call(.get, "/api/dictionaries/body-parts").status == 401)
        }
    }

    @Test("a forced password change blocks everything but the change itself")
    func passwordChangeRequired() async throws {
        try await TestApp.run { session, _, _ in
            let login = try await session.login("registrar", TestApp.demoPassword)
            #expect(login.status == 200)
            #expect((login.json["user"] as? [String: Any])?["passwordChangeRequired"] as? Bool == true)
            let blocked = try await session.call(.get, "/api/dictionaries/institutions")
            #expect(blocked.status == 403 && blocked.errorCode == "password_change_required")
            #expect(try await session.call(.get, "/api/me").status == 200)
            let weak = try await session.call(
                .post, "/api/me/password", json: ["currentPassword": TestApp.demoPassword, "newPassword": "123"])
            #expect(weak.status == 422 && weak.errorCode == "validation_failed")
            #expect(
                try await session.call(
                    .post, "/api/me/password", json: ["currentPassword": TestApp.demoPassword, "newPassword": "Knee#Dr2026z"]
                ).status == 204)
            #expect(try await session.call(.get, "/api/dictionaries/institutions").status == 200)
        }
    }

    @Test("login, me and logout follow the contract")
    func loginContract() async throws {
        try await TestApp.run { session, _, _ in
            let bad = try await session.login("admin", "wrong")
            #expect(bad.status == 401 && bad.errorCode == "invalid_credentials" && bad.errorMessage == "用户名或密码错误")
            #expect(try await session.call(.get, "/api/me").status == 401)
            let ok = try await session.login("admin", TestApp.adminPassword)
            #expect(ok.status == 200)
            let setCookie = ok.headers[values: .setCookie].first ?? ""
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"))
            let me = try await session.call(.get, "/api/me")
            #expect(me.status == 200 && me.json["username"] as? String == "admin")
            #expect((me.json["permissions"] as? [String])?.contains("users.manage") == true)
            #expect(try await session.call(.post, "/api/auth/logout").status == 204)
            #expect(try await session.call(.get, "/api/me").status == 401, "the old cookie is dead after logout")
        }
    }

    @Test("institution scope: a county administrator sees only county users")
    func institutionScope() async throws {
        try await TestApp.run { admin, _, _ in
            try await admin.login("admin", TestApp.adminPassword)
            let institutions = try await admin.call(.get, "/api/dictionaries/institutions?q=CH-XC")
            let county = try #require(((institutions.json["items"] as? [[String: Any]])?.first)?["id"] as? Int)
            let created = try await admin.call(
                .post, "/api/users", json: ["username": "xc.admin", "displayName": "县医院管理员", "institutionId": county])
            let userID = try #require((created.json["user"] as? [String: Any])?["id"] as? Int)
            let initial = try #require(created.json["initialPassword"] as? String)
            let roles = try await admin.call(.get, "/api/roles")
            let sysadmin = try #require(
                (roles.json["items"] as? [[String: Any]])?.first { $0["code"] as? String == "system_admin" }?["id"] as? Int)
            let grant = try await admin.call(
                .put, "/api/users/\(userID)/roles",
                json: [
                    "items": [
                        [
                            "roleId": sysadmin, "allInstitutions": false, "institutionIds": [county], "allCategories": true,
                            "categoryIds": [],
                        ]
                    ]
                ])
            #expect(grant.status == 200)

            let countyAdmin = admin.fork()
            try await countyAdmin.loginChangingPassword("xc.admin", from: initial)
            let list = try await countyAdmin.call(.get, "/api/users?pageSize=100")
            let names = Set(((list.json["items"] as? [[String: Any]]) ?? []).compactMap { $0["username"] as? String })
            #expect(names == ["xc.admin", "county.reg"])
            #expect(try await countyAdmin.call(.get, "/api/users/1").status == 404, "admin (no institution) is invisible")
            let other = try await countyAdmin.call(
                .post, "/api/users", json: ["username": "evil", "displayName": "越权", "institutionId": 1])
            #expect(other.status == 403)
            #expect(try await countyAdmin.call(.get, "/api/roles").status == 403, "system administrators do not manage grants (三权分立)")
            #expect(try await countyAdmin.call(.get, "/api/audit").status == 403)
        }
    }

    @Test("errors are JSON with a code and a localized message")
    func errorShape() async throws {
        try await TestApp.run { session, _, _ in
            let missing = try await session.call(.get, "/api/no-such-thing")
            #expect(missing.status == 404 && missing.errorCode == "not_found")
            let garbage = try await session.call(.post, "/api/auth/login", raw: Data("{not json".utf8))
            #expect(garbage.status == 400 && garbage.errorCode == "bad_request")
            let english = try await session.call(
                .post, "/api/auth/login", json: ["username": "x", "password": "y"], headers: [.acceptLanguage: "en-US"])
            #expect(english.errorMessage == "Wrong user name or password")
            try await session.login("admin", TestApp.adminPassword)
            let invalid = try await session.call(.post, "/api/dictionaries/exam-items", json: ["code": "", "durationMinutes": -1])
            #expect(invalid.status == 422)
            let fields = (invalid.json["error"] as? [String: Any])?["fields"] as? [[String: Any]] ?? []
            #expect(fields.contains { $0["field"] as? String == "code" && $0["message"] as? String == "请填写项目编码" })
            let dup = try await session.call(.post, "/api/dictionaries/body-parts", json: ["code": "HEAD", "name": "头"])
            #expect(dup.status == 409 && dup.errorCode == "duplicate")
            let unknownKind = try await session.call(.get, "/api/dictionaries/nonsense")
            #expect(unknownKind.status == 404)
            #expect(missing.headers[.xContentTypeOptions] == "nosniff")
        }
    }

    @Test("health, readiness, Excel export and audit endpoints work end to end")
    func healthAndExports() async throws {
        try await TestApp.run { session, _, _ in
            #expect(try await session.call(.get, "/healthz").json["status"] as? String == "ok")
            let ready = try await session.call(.get, "/readyz")
            #expect(ready.status == 200 && ready.json["database"] as? String == "ok" && ready.json["storage"] as? String == "ok")
            try await session.login("admin", TestApp.adminPassword)
            let xlsx = try await session.call(.get, "/api/dictionaries/exam-items/export.xlsx")
            #expect(xlsx.status == 200 && xlsx.body.starts(with: [0x50, 0x4B]))
            #expect(xlsx.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            let imported = try await session.call(.post, "/api/dictionaries/exam-items/import", raw: xlsx.body)
            #expect(imported.status == 200 && imported.json["updated"] as? Int == 7)
            let audit = try await session.call(.get, "/api/audit?action=dict.&pageSize=5")
            #expect((audit.json["total"] as? Int ?? 0) >= 2)
            let export = try await session.call(.get, "/api/audit/export.xlsx?username=admin")
            #expect(export.status == 200 && export.body.starts(with: [0x50, 0x4B]))
            let verify = try await session.call(.get, "/api/audit/verify")
            #expect(verify.json["ok"] as? Bool == true)
        }
    }
}
