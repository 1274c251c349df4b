import Foundation
import SQLKit

/// Demo data: a city hospital with a second campus and a county hospital, their departments, the usual
/// exam dictionaries of a radiology department, and one user per built-in role. Idempotent.
public enum DemoData {
    public struct DemoUser: Sendable {
        public let username: String
        public let displayName: String
        public let role: String
        public let institution: String
        public var department: String? = nil
        public var mobile: String? = nil
    }

    public static let users: [DemoUser] = [
        DemoUser(username: "sysadmin", displayName: "王建国", role: "system_admin", institution: "CH-MAIN", mobile: "13805710001"),
        DemoUser(username: "secadmin", displayName: "李安", role: "security_admin", institution: "CH-MAIN", mobile: "13805710002"),
        DemoUser(username: "auditor", displayName: "赵审", role: "auditor", institution: "CH-MAIN", mobile: "13805710003"),
        DemoUser(
            username: "registrar", displayName: "陈晓燕", role: "registrar", institution: "CH-MAIN", department: "RAD", mobile: "13805710004"),
        DemoUser(
            username: "tech", displayName: "刘志强", role: "technologist", institution: "CH-MAIN", department: "RAD", mobile: "13805710005"),
        DemoUser(
            username: "resident", displayName: "孙悦", role: "resident", institution: "CH-MAIN", department: "RAD", mobile: "13805710006"),
        DemoUser(
            username: "attending", displayName: "周明", role: "attending", institution: "CH-MAIN", department: "RAD", mobile: "13805710007"),
        DemoUser(username: "chief", displayName: "吴国华", role: "chief", institution: "CH-MAIN", department: "RAD", mobile: "13805710008"),
        DemoUser(
            username: "clinician", displayName: "郑丽", role: "clinician", institution: "CH-MAIN", department: "RESP", mobile: "13805710009"),
        DemoUser(
            username: "head", displayName: "黄卫东", role: "department_head", institution: "CH-MAIN", department: "RAD", mobile: "13805710010"),
        DemoUser(
            username: "county.reg", displayName: "马晓红", role: "registrar", institution: "CH-XC", department: "RAD", mobile: "13905710011"),
    ]

    typealias Row = [String: JSONValue]

    static func s(_ v: String) -> JSONValue { .string(v) }

    /// Loads the demo set. Users get `password` and must change it at first login.
    public static func load(database: Database, password: String) async throws -> Int {
        let dict = DictionaryService(database: database)
        var added = 0
        func upsert(_ kind: String, _ rows: [Row]) async throws -> [String: Int] {
            var ids: [String: Int] = [:]
            for existing in try await dict.all(kind) {
                if case .string(let c) = existing["code"] ?? .null, case .int(let id) = existing["id"] ?? .null { ids[c] = id }
            }
            for row in rows {
                guard case .string(let code) = row["code"] ?? .null else { continue }
                if ids[code] != nil, kind != "departments" { continue }
                if kind == "departments",
                    try await dict.list(
                        kind,
                        DictionaryQuery(
                            text: code,
                            refs: [
                                "institutionId": row["institutionId"].flatMap { if case .int(let i) = $0 { return i } else { return nil } }
                                    ?? 0
                            ]), page: PageRequest()
                    ).total > 0
                {
                    continue
                }
                let r = try await dict.create(kind, row, scope: .everything)
                if case .int(let id) = r["id"] ?? .null { ids[code] = id }
                added += 1
            }
            return ids
        }
        let inst = try await upsert(
            "institutions",
            [
                [
                    "code": s("CH-MAIN"), "name": s("市中心医院"), "shortName": s("市中心"), "level": s("central"), "address": s("人民路 88 号"),
                    "phone": s("0571-88880000"), "sortOrder": .int(1),
                ]
            ])
        let inst2 = try await upsert(
            "institutions",
            [
                [
                    "code": s("CH-EAST"), "name": s("市中心医院东院区"), "shortName": s("东院区"), "level": s("campus"),
                    "parentId": .int(inst["CH-MAIN"]!), "sortOrder": .int(2),
                ],
                [
                    "code": s("CH-XC"), "name": s("西城县人民医院"), "shortName": s("西城县医院"), "level": s("subordinate"),
                    "parentId": .int(inst["CH-MAIN"]!), "phone": s("0571-66660000"), "sortOrder": .int(3),
                ],
                [
                    "code": s("CH-NH"), "name": s("南湖社区卫生服务中心"), "shortName": s("南湖社区"), "level": s("community"),
                    "parentId": .int(inst["CH-MAIN"]!), "sortOrder": .int(4),
                ],
            ]
        ).merging(inst) { a, _ in a }
        let main = inst2["CH-MAIN"]!
        let east = inst2["CH-EAST"]!
        let county = inst2["CH-XC"]!
        func dept(_ i: Int, _ code: String, _ name: String, _ kind: String) -> Row {
            ["institutionId": .int(i), "code": s(code), "name": s(name), "kind": s(kind)]
        }
        _ = try await upsert(
            "departments",
            [
                dept(main, "RAD", "放射科", "medtech"), dept(main, "US", "超声科", "medtech"), dept(main, "NM", "核医学科", "medtech"),
                dept(main, "RESP", "呼吸内科", "clinical"), dept(main, "NEURO", "神经内科", "clinical"), dept(main, "ORTH", "骨科", "clinical"),
                dept(main, "ER", "急诊科", "clinical"), dept(main, "W5", "住院部五病区", "ward"),
                dept(east, "RAD", "放射科（东院）", "medtech"), dept(east, "CARD", "心血管内科", "clinical"),
                dept(county, "RAD", "影像科", "medtech"), dept(county, "IM", "内科", "clinical"),
            ])
        let cat = try await upsert(
            "exam-categories",
            [
                ["code": s("CT"), "name": s("CT"), "modality": s("CT"), "sortOrder": .int(1)],
                ["code": s("MR"), "name": s("磁共振"), "modality": s("MR"), "sortOrder": .int(2)],
                ["code": s("DR"), "name": s("数字X线（DR）"), "modality": s("DX"), "sortOrder": .int(3)],
                ["code": s("MG"), "name": s("乳腺钼靶"), "modality": s("MG"), "sortOrder": .int(4)],
                ["code": s("US"), "name": s("超声"), "modality": s("US"), "sortOrder": .int(5)],
            ])
        let grp = try await upsert(
            "exam-groups",
            [
                ["categoryId": .int(cat["CT"]!), "code": s("CT-HEAD"), "name": s("CT 头颈部")],
                ["categoryId": .int(cat["CT"]!), "code": s("CT-CHEST"), "name": s("CT 胸部")],
                ["categoryId": .int(cat["CT"]!), "code": s("CT-ABD"), "name": s("CT 腹部")],
                ["categoryId": .int(cat["MR"]!), "code": s("MR-NEURO"), "name": s("MR 神经系统")],
                ["categoryId": .int(cat["MR"]!), "code": s("MR-MSK"), "name": s("MR 骨关节")],
                ["categoryId": .int(cat["DR"]!), "code": s("DR-CHEST"), "name": s("DR 胸部")],
            ])
        let bp = try await upsert(
            "body-parts",
            [
                ["code": s("HEAD"), "name": s("头颅"), "dicomValue": s("HEAD")],
                ["code": s("CHEST"), "name": s("胸部"), "dicomValue": s("CHEST")],
                ["code": s("ABDOMEN"), "name": s("腹部"), "dicomValue": s("ABDOMEN")],
                ["code": s("LSPINE"), "name": s("腰椎"), "dicomValue": s("LSPINE")],
                ["code": s("KNEE"), "name": s("膝关节"), "dicomValue": s("KNEE")],
                ["code": s("BREAST"), "name": s("乳腺"), "dicomValue": s("BREAST")],
            ])
        func item(
            _ code: String, _ name: String, _ c: String, _ g: String?, _ m: String, _ b: String, _ min: Int, _ pts: Double, _ yuan: Int,
            _ prep: String? = nil
        ) -> Row {
            var r: Row = [
                "code": s(code), "name": s(name), "categoryId": .int(cat[c]!), "modality": s(m), "bodyPartId": .int(bp[b]!),
                "durationMinutes": .int(min), "slotUnits": .int(1), "workPoints": .double(pts), "priceFen": .int(yuan * 100),
            ]
            if let g { r["groupId"] = .int(grp[g]!) }
            if let prep { r["preparation"] = s(prep) }
            return r
        }
        _ = try await upsert(
            "exam-items",
            [
                item("CT001", "头颅CT平扫", "CT", "CT-HEAD", "CT", "HEAD", 10, 1.0, 180),
                item("CT002", "胸部CT平扫", "CT", "CT-CHEST", "CT", "CHEST", 10, 1.0, 200),
                item("CT003", "上腹部CT增强", "CT", "CT-ABD", "CT", "ABDOMEN", 20, 2.0, 680, "检查前禁食 4 小时；需签署碘对比剂知情同意书；有碘过敏史者请告知医生"),
                item("MR001", "头颅MR平扫", "MR", "MR-NEURO", "MR", "HEAD", 20, 1.5, 450, "检查前去除身上所有金属物品；体内有心脏起搏器者禁止检查"),
                item("MR002", "膝关节MR平扫", "MR", "MR-MSK", "MR", "KNEE", 20, 1.5, 450, "检查前去除身上所有金属物品"),
                item("DR001", "胸部正位片", "DR", "DR-CHEST", "DX", "CHEST", 5, 0.5, 60),
                item("MG001", "双侧乳腺钼靶", "MG", nil, "MG", "BREAST", 10, 1.0, 220),
            ])
        _ = try await upsert(
            "report-templates",
            [
                [
                    "code": s("T-CT-HEAD-N"), "name": s("头颅CT平扫（正常）"), "categoryId": .int(cat["CT"]!), "bodyPartId": .int(bp["HEAD"]!),
                    "findings": s("脑实质内未见异常密度影，灰白质分界清楚。脑室系统大小、形态未见异常，脑沟、脑裂未见增宽，中线结构居中。颅骨未见明确骨质异常。"),
                    "impression": s("头颅CT平扫未见明显异常。"),
                ],
                [
                    "code": s("T-CT-CHEST-N"), "name": s("胸部CT平扫（正常）"), "categoryId": .int(cat["CT"]!), "bodyPartId": .int(bp["CHEST"]!),
                    "findings": s("双肺纹理清晰，走行自然，双肺野内未见明确实质性病变。气管及主支气管通畅。纵隔内未见肿大淋巴结。心影大小形态未见异常。双侧胸腔未见积液。"),
                    "impression": s("胸部CT平扫未见明显异常。"),
                ],
                [
                    "code": s("T-DR-CHEST-N"), "name": s("胸部正位片（正常）"), "categoryId": .int(cat["DR"]!), "bodyPartId": .int(bp["CHEST"]!),
                    "findings": s("双肺纹理清晰，未见实质性病变。双肺门不大。心影大小、形态未见异常。双膈面光整，肋膈角锐利。"),
                    "impression": s("心肺膈未见明显异常。"),
                ],
            ])
        // One user per role.
        let users = UserService(database: database, auth: AuthService(database: database, audit: AuditLog(database: database)))
        let roles = try await RoleService(database: database).list()
        for u in DemoData.users {
            if try await database.read({ try await $0.count("SELECT COUNT(*) AS n FROM users WHERE username = \(bind: u.username)") }) > 0 {
                continue
            }
            let institutionID = inst2[u.institution]!
            let departmentID = try await u.department.asyncMap { code in
                try await dict.list("departments", DictionaryQuery(text: code, refs: ["institutionId": institutionID]), page: PageRequest())
                    .items.first { $0["code"] == .string(code) }?["id"]
            }.flatMap { value -> Int? in if case .int(let i) = value { return i } else { return nil } }
            let created = try await users.create(
                UserInput(
                    username: u.username, displayName: u.displayName, title: title(for: u.role), institutionId: institutionID,
                    departmentId: departmentID, mobile: u.mobile, password: password),
                scope: .everything)
            let role = roles.first { $0.code == u.role }!
            let assignment = RoleAssignment(roleId: role.id, allInstitutions: false, institutionIds: [inst2[u.institution]!])
            try await users.setAssignments(userID: created.user.id, [assignment], callerScope: .everything, viewScope: .everything, by: 0)
            added += 1
        }
        return added
    }

    static func title(for role: String) -> String? {
        switch role {
        case "technologist": "主管技师"
        case "resident": "住院医师"
        case "attending": "主治医师"
        case "chief": "主任医师"
        case "clinician": "主治医师"
        case "department_head": "主任医师"
        default: nil
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
