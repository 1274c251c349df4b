import Foundation
import Platform
import SQLKit

/// Orders and the patients they are for (REG-03, REG-11, REG-15, REG-16). Orders arrive from the HIS through the API
/// (idempotent on the HIS's own order ID, so a retried message never makes a second order), are typed in at the
/// desk, or are placeholders that hold a slot for a phone booking and are completed when the patient turns up.
public struct OrderService: Sendable {
    public let database: Database

    public init(database: Database) {
        self.database = database
    }

    public struct PatientInput: Codable, Sendable {
        public var patientId: String?
        public var name: String?
        public var sex: String?
        public var birthDate: String?
        public var idCard: String?
        public var phone: String?
        public var cardNo: String?
    }

    public struct ItemInput: Codable, Sendable {
        public var itemCode: String?
        public var itemName: String?
        public var modality: String?
        public var examClass: String?
        public var orderType: String?
        public var units: Int?
    }

    public struct OrderInput: Codable, Sendable {
        public var externalId: String?
        public var patient: PatientInput?
        public var source: String?
        public var category: String?
        public var institutionId: Int?
        public var ward: String?
        public var department: String?
        public var nursingUnit: String?
        public var requestingDoctor: String?
        public var priority: String?
        public var channel: String?
        public var diagnosis: String?
        public var orderedAt: String?
        public var bedside: Bool?
        public var placeholder: Bool?
        public var items: [ItemInput]?
    }

    public static let priorities = ["routine", "urgent", "stat"]

    /// Creates the order; with an `externalId` the HIS already sent, returns that order instead (`created` false).
    public func create(_ input: OrderInput, by user: String) async throws -> (order: Order, created: Bool) {
        if let external = input.externalId?.trimmingCharacters(in: .whitespaces), !external.isEmpty,
           let existing = try await orderID(external: external)
        {
            return (try await get(existing), false)
        }
        var v = Validator()
        let placeholder = input.placeholder ?? false
        let patient = input.patient ?? PatientInput()
        let patientID = v.text(patient.patientId, field: "patient.patientId", label: ("患者 ID", "Patient ID"), required: !placeholder, maxLength: 64)
        let name = v.text(patient.name, field: "patient.name", label: ("患者姓名", "Patient name"), required: true, maxLength: 64) ?? ""
        let sex = (patient.sex ?? "").uppercased()
        if !["", "M", "F", "O"].contains(sex) { v.add("patient.sex", "invalid", "性别应为 M、F 或 O", "sex must be M, F or O") }
        let birth = patient.birthDate ?? ""
        if !birth.isEmpty && (birth.count != 8 || Int(birth) == nil) {
            v.add("patient.birthDate", "invalid", "出生日期格式应为 YYYYMMDD", "birth date must be YYYYMMDD")
        }
        let idCard = (patient.idCard ?? "").uppercased()
        if !idCard.isEmpty && !(idCard.count == 18 && idCard.dropLast().allSatisfy(\.isNumber) && (idCard.last!.isNumber || idCard.last == "X")) {
            v.add("patient.idCard", "invalid", "身份证号应为 18 位", "ID card number must be 18 characters")
        }
        let source = input.source ?? PatientSource.outpatient.rawValue
        if PatientSource(rawValue: source) == nil { v.add("source", "invalid", "患者来源无效", "unknown patient source") }
        let channel = input.channel ?? BookingChannel.desk.rawValue
        if BookingChannel(rawValue: channel) == nil { v.add("channel", "invalid", "开单渠道无效", "unknown channel") }
        let priority = input.priority ?? "routine"
        if !Self.priorities.contains(priority) { v.add("priority", "invalid", "优先级应为 routine、urgent 或 stat", "priority must be routine, urgent or stat") }
        let items = input.items ?? []
        if items.isEmpty || items.count > 20 { v.add("items", "count", "每张申请单应有 1 到 20 个检查项目", "1 to 20 items per order") }
        var cleanItems: [(code: String, name: String, modality: String, examClass: String, orderType: String, units: Int)] = []
        for (i, item) in items.enumerated() {
            let code = v.text(item.itemCode, field: "items[\(i)].itemCode", label: ("项目编码", "Item code"), required: true, maxLength: 32) ?? ""
            let itemName = v.text(item.itemName, field: "items[\(i)].itemName", label: ("项目名称", "Item name"), required: true, maxLength: 64) ?? ""
            let modality = (v.text(item.modality, field: "items[\(i)].modality", label: ("设备类型", "Modality"), required: true, maxLength: 16) ?? "")
                .uppercased()
            let units = item.units ?? 1
            if !(1...20).contains(units) { v.add("items[\(i)].units", "range", "占用单位数应为 1 到 20", "units must be 1–20") }
            cleanItems.append((code, itemName, modality, item.examClass ?? "", item.orderType ?? "", units))
        }
        try v.check()
        let now = Timestamp.string()
        let orderedAt = input.orderedAt ?? now
        let newItems = cleanItems
        let id = try await database.write { sql -> Int in
            let patientPK = try await Self.upsertPatient(
                sql, patientID: patientID ?? "TMP-" + UUID().uuidString.prefix(8).uppercased(), name: name, sex: sex, birth: birth, idCard: idCard,
                phone: patient.phone ?? "", cardNo: patient.cardNo ?? "", source: source, institutionID: input.institutionId)
            let orderPK = try await sql.raw("""
                INSERT INTO orders (order_no, external_id, patient_pk, source, category, institution_id, ward, department, nursing_unit,
                  requesting_doctor, priority, channel, diagnosis, ordered_at, bedside, placeholder, status, created_by, created_at, updated_at)
                VALUES (\(bind: UUID().uuidString), \(bind: input.externalId?.isEmpty == false ? input.externalId : nil), \(bind: patientPK),
                        \(bind: source), \(bind: input.category ?? ""), \(bind: input.institutionId), \(bind: input.ward ?? ""),
                        \(bind: input.department ?? ""), \(bind: input.nursingUnit ?? ""), \(bind: input.requestingDoctor ?? ""),
                        \(bind: priority), \(bind: channel), \(bind: input.diagnosis ?? ""), \(bind: orderedAt), \(bind: input.bedside ?? false),
                        \(bind: placeholder), 'active', \(bind: user), \(bind: now), \(bind: now)) RETURNING id
                """).first()!.int("id")
            // A readable number: date of ordering and the row number, unique because the row number is.
            let number = "SQ" + orderedAt.prefix(10).replacingOccurrences(of: "-", with: "") + String(format: "%06d", orderPK % 1_000_000)
            try await sql.raw("UPDATE orders SET order_no = \(bind: number) WHERE id = \(bind: orderPK)").run()
            for item in newItems {
                try await sql.raw("""
                    INSERT INTO order_items (order_pk, item_code, item_name, modality, exam_class, order_type, units, status, created_at, updated_at)
                    VALUES (\(bind: orderPK), \(bind: item.code), \(bind: item.name), \(bind: item.modality), \(bind: item.examClass),
                            \(bind: item.orderType), \(bind: item.units), 'ordered', \(bind: now), \(bind: now))
                    """).run()
            }
            return orderPK
        }
        return (try await get(id), true)
    }

    static func upsertPatient(_ sql: any SQLDatabase, patientID: String, name: String, sex: String, birth: String, idCard: String, phone: String,
                              cardNo: String, source: String, institutionID: Int?) async throws -> Int {
        let now = Timestamp.string()
        if let row = try await sql.raw("SELECT id FROM sched_patients WHERE patient_id = \(bind: patientID)").first() {
            let id = try row.int("id")
            // What the newest order says is kept; empty fields do not erase what the desk typed before.
            try await sql.raw("""
                UPDATE sched_patients SET name = \(bind: name), name_search = \(bind: Self.searchKey(name)),
                  sex = CASE WHEN \(bind: sex) = '' THEN sex ELSE \(bind: sex) END,
                  birth_date = CASE WHEN \(bind: birth) = '' THEN birth_date ELSE \(bind: birth) END,
                  id_card = CASE WHEN \(bind: idCard) = '' THEN id_card ELSE \(bind: idCard) END,
                  phone = CASE WHEN \(bind: phone) = '' THEN phone ELSE \(bind: phone) END,
                  card_no = CASE WHEN \(bind: cardNo) = '' THEN card_no ELSE \(bind: cardNo) END,
                  source = \(bind: source), updated_at = \(bind: now)
                WHERE id = \(bind: id)
                """).run()
            return id
        }
        return try await sql.raw("""
            INSERT INTO sched_patients (patient_id, name, name_search, sex, birth_date, id_card, phone, card_no, source, institution_id,
              created_at, updated_at)
            VALUES (\(bind: patientID), \(bind: name), \(bind: Self.searchKey(name)), \(bind: sex), \(bind: birth), \(bind: idCard),
                    \(bind: phone), \(bind: cardNo), \(bind: source), \(bind: institutionID), \(bind: now), \(bind: now)) RETURNING id
            """).first()!.int("id")
    }

    /// Upper-cased, without `^` and spaces: `Zhang^San=张^三` → `ZHANGSAN=张三`, searchable by either group.
    static func searchKey(_ name: String) -> String {
        "=" + name.split(separator: "=", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "^", with: "").replacingOccurrences(of: " ", with: "").uppercased() }.joined(separator: "=") + "="
    }

    func orderID(external: String) async throws -> Int? {
        try await database.read { sql in try await sql.raw("SELECT id FROM orders WHERE external_id = \(bind: external)").first()?.int("id") }
    }

    public func get(_ id: Int) async throws -> Order {
        try await database.read { sql in
            guard let row = try await sql.raw("SELECT * FROM orders WHERE id = \(bind: id)").first() else {
                throw DomainError.notFound("申请单", "Order")
            }
            return try await Self.decode(row, sql)
        }
    }

    static func decode(_ row: any SQLRow, _ sql: any SQLDatabase) async throws -> Order {
        let id = try row.int("id")
        let patient = try Self.decodePatient(try await sql.raw("SELECT * FROM sched_patients WHERE id = \(bind: try row.int("patient_pk"))").first()!)
        let items = try await sql.raw("""
            SELECT i.*, (SELECT MAX(a.id) FROM appointments a WHERE a.order_item_pk = i.id AND a.status IN ('held', 'booked', 'checked-in', 'no-show'))
              AS appointment_id
            FROM order_items i WHERE i.order_pk = \(bind: id) ORDER BY i.id
            """).all().map(Self.decodeItem)
        return Order(
            id: id, orderNo: try row.string("order_no"), externalId: try row.stringOrNil("external_id"), patient: patient,
            source: try row.string("source"), category: try row.string("category"), institutionId: try row.intOrNil("institution_id"),
            ward: try row.string("ward"), department: try row.string("department"), nursingUnit: try row.string("nursing_unit"),
            requestingDoctor: try row.string("requesting_doctor"), priority: try row.string("priority"), channel: try row.string("channel"),
            diagnosis: try row.string("diagnosis"), orderedAt: try row.string("ordered_at"), bedside: try row.bool("bedside"),
            placeholder: try row.bool("placeholder"), status: try row.string("status"), items: items)
    }

    static func decodePatient(_ r: any SQLRow) throws -> SchedPatient {
        SchedPatient(
            id: try r.int("id"), patientId: try r.string("patient_id"), name: try r.string("name"), sex: try r.string("sex"),
            birthDate: try r.string("birth_date"), idCard: try r.string("id_card"), phone: try r.string("phone"), cardNo: try r.string("card_no"),
            source: try r.string("source"), institutionId: try r.intOrNil("institution_id"), noShows: try r.int("no_shows"),
            blacklistedUntil: try r.stringOrNil("blacklisted_until"), blacklistReason: try r.string("blacklist_reason"))
    }

    static func decodeItem(_ r: any SQLRow) throws -> OrderItem {
        OrderItem(
            id: try r.int("id"), orderId: try r.int("order_pk"), itemCode: try r.string("item_code"), itemName: try r.string("item_name"),
            modality: try r.string("modality"), examClass: try r.string("exam_class"), orderType: try r.string("order_type"),
            units: try r.int("units"), status: try r.string("status"), accessionNumber: try r.stringOrNil("accession_number"),
            studyInstanceUID: try r.stringOrNil("study_uid"), appointmentId: try? r.intOrNil("appointment_id"))
    }

    /// Orders of a patient found by what the desk has in hand: a card or barcode (readers type it), an ID card, the
    /// patient ID, an order number, or a name.
    public func search(_ text: String, page: PageRequest) async throws -> Page<Order> {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty else { throw DomainError.validation([FieldError(field: "q", code: "required", zh: "请输入卡号、ID 或姓名", en: "enter a card, ID or name")]) }
        let like = "%" + Self.searchKey(t).dropFirst().dropLast() + "%"
        let condition: SQLQueryString = """
            (p.patient_id = \(bind: t) OR p.card_no = \(bind: t) OR p.id_card = \(bind: t.uppercased()) OR o.order_no = \(bind: t)
             OR o.external_id = \(bind: t) OR p.name_search LIKE \(bind: like))
            """
        return try await database.read { sql in
            let total = try await sql.count("SELECT COUNT(*) AS n FROM orders o JOIN sched_patients p ON p.id = o.patient_pk WHERE " + condition)
            let rows = try await sql.raw(
                "SELECT o.* FROM orders o JOIN sched_patients p ON p.id = o.patient_pk WHERE " + condition
                    + " ORDER BY o.id DESC LIMIT \(unsafeRaw: String(page.pageSize)) OFFSET \(unsafeRaw: String(page.offset))"
            ).all()
            var orders: [Order] = []
            for row in rows { orders.append(try await Self.decode(row, sql)) }
            return Page(items: orders, total: total, request: page)
        }
    }

    /// A placeholder order completed once the patient is known (REG-16): the real patient replaces the stand-in.
    public func complete(_ id: Int, patient input: PatientInput) async throws -> Order {
        let order = try await get(id)
        guard order.placeholder else { throw DomainError.conflict("not_placeholder", "该申请单不是占位申请单", "the order is not a placeholder") }
        var v = Validator()
        let patientID = v.text(input.patientId, field: "patient.patientId", label: ("患者 ID", "Patient ID"), required: true, maxLength: 64) ?? ""
        let name = v.text(input.name, field: "patient.name", label: ("患者姓名", "Patient name"), required: true, maxLength: 64) ?? ""
        try v.check()
        try await database.write { sql in
            let pk = try await Self.upsertPatient(sql, patientID: patientID, name: name, sex: (input.sex ?? "").uppercased(), birth: input.birthDate ?? "",
                                                  idCard: (input.idCard ?? "").uppercased(), phone: input.phone ?? order.patient.phone,
                                                  cardNo: input.cardNo ?? "", source: order.source, institutionID: order.institutionId)
            try await sql.raw("UPDATE orders SET patient_pk = \(bind: pk), placeholder = \(bind: false), updated_at = \(bind: Timestamp.string()) WHERE id = \(bind: id)").run()
        }
        return try await get(id)
    }
}
