import DICOMImaging
import Foundation
import HTTPTypes
import Hummingbird
import Platform
import Scheduling
import Spreadsheet

/// Registration and booking (issue #7): orders, queues and slot templates, availability, appointments through their
/// life cycle, exam-number rules, the blacklist and booking statistics. Desk work needs registration.manage (also
/// the open booking API for kiosks and WeChat, through API tokens); rules and templates need scheduling.manage.
enum SchedulingController {
    struct Reason: Decodable { let reason: String? }
    struct Move: Decodable {
        let parts: [BookingEngine.Option.Part]?
        let slotId: Int?
    }
    struct Generate: Decodable {
        let from: String?
        let days: Int?
    }
    struct CycleInput: Decodable {
        let name: String?
        let startMD: String?
        let endMD: String?
    }
    struct HolidayInput: Decodable { let name: String? }
    struct Settings: Encodable {
        let timeZone: String
        let today: String
        let horizonDays: Int
    }
    struct Together: Decodable {
        let orderItemIds: [Int]?
        let queueId: Int?
        let from: String?
        let days: Int?
        let channel: String?
    }
    struct RuleListing: Encodable {
        let items: [BookingRules.Rule]
        /// The order and booking fields conditions may name.
        let fields: [String]
    }

    static func register(_ r: Routes) {
        let scheduling = r.services.scheduling
        let orders = scheduling.orders, calendar = scheduling.calendar, booking = scheduling.booking

        // MARK: Orders (REG-03, REG-11, REG-16)
        r.post("api/scheduling/orders", .permission(.registrationManage), audit: "scheduling.order.create", object: "order") { request, context in
            let principal = try context.require()
            let (order, created) = try await orders.create(try await request.json(OrderService.OrderInput.self, context: context), by: principal.displayName)
            context.auditNote.set(objectID: order.orderNo, patientID: order.patient.patientId,
                                  detail: (created ? "新建申请单 " : "重复提交，返回已有申请单 ") + order.orderNo + "：" + order.items.map(\.itemName).joined(separator: "、"))
            return JSONResponse(order, status: created ? .created : .ok)
        }
        r.get("api/scheduling/orders", .permission(.registrationManage), audit: "scheduling.order.search", object: "order") { request, context in
            let page = try await orders.search(request.query("q") ?? "", page: try request.pageRequest)
            context.auditNote.set(detail: "查找申请单「\(request.query("q") ?? "")」：\(page.total) 张")
            return JSONResponse(page)
        }
        r.get("api/scheduling/orders/:id", .permission(.registrationManage), audit: "scheduling.order.view", object: "order") { _, context in
            let order = try await orders.get(try context.intParameter("id"))
            context.auditNote.set(objectID: order.orderNo, patientID: order.patient.patientId, detail: "查看申请单 \(order.orderNo)")
            return JSONResponse(order)
        }
        r.post("api/scheduling/orders/:id/complete", .permission(.registrationManage), audit: "scheduling.order.complete", object: "order") {
            request, context in
            let order = try await orders.complete(try context.intParameter("id"), patient: try await request.json(OrderService.PatientInput.self, context: context))
            context.auditNote.set(objectID: order.orderNo, patientID: order.patient.patientId, detail: "占位申请单补全患者信息")
            return JSONResponse(order)
        }

        // MARK: Scanned order forms (REG-05, REG-15)
        r.post("api/scheduling/orders/:id/documents", .permission(.registrationManage), audit: "scheduling.order.scan", object: "order") {
            request, context in
            let principal = try context.require()
            let id = try context.intParameter("id")
            let order = try await orders.get(id)
            let (_, files) = try await ConversionController.formData(request, storage: r.services.archive.storage)
            // Filed scans were moved away; what is left (the rest after a refusal) goes.
            defer { for f in files { try? FileManager.default.removeItem(at: f.url) } }
            guard !files.isEmpty else {
                throw DomainError.validation([FieldError(field: "file", code: "required", zh: "请选择扫描件", en: "choose a scanned form")])
            }
            var saved: [OrderDocuments.Document] = []
            for file in files {
                let head = (try? FileHandle(forReadingFrom: file.url).read(upToCount: 16)) ?? Data()
                let type: String =
                    switch PictureFormat.sniff(head ?? Data()) {
                    case .jpeg: "image/jpeg"
                    case .png: "image/png"
                    default: "application/octet-stream"
                    }
                saved.append(try await scheduling.documents.add(order: id, filename: file.name, file: file.url, contentType: type, by: principal.displayName))
            }
            context.auditNote.set(objectID: order.orderNo, patientID: order.patient.patientId, detail: "上传申请单扫描件 \(saved.count) 个")
            return JSONResponse(["items": saved], status: .created)
        }
        r.get("api/scheduling/orders/:id/documents", .permission(.registrationManage)) { _, context in
            JSONResponse(["items": try await scheduling.documents.list(order: try context.intParameter("id"))])
        }
        r.get("api/scheduling/documents/:id", .permission(.registrationManage), audit: "scheduling.order.scan.view", object: "order") { _, context in
            let (document, url) = try await scheduling.documents.get(try context.intParameter("id"))
            let order = try await orders.get(document.orderId)
            context.auditNote.set(objectID: order.orderNo, patientID: order.patient.patientId, detail: "查看申请单扫描件 \(document.filename)")
            var headers = HTTPFields()
            headers[.contentType] = document.contentType
            headers[.cacheControl] = "private, no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try Data(contentsOf: url))))
        }
        r.delete("api/scheduling/documents/:id", .permission(.registrationManage), audit: "scheduling.order.scan.delete", object: "order") { _, context in
            let document = try await scheduling.documents.delete(try context.intParameter("id"))
            context.auditNote.set(objectID: String(document.orderId), detail: "删除申请单扫描件 \(document.filename)")
            return Response(status: .noContent)
        }

        // MARK: Queues, templates, slots (REG-12, REG-14, REG-18)
        r.get("api/scheduling/queues", .permission(.registrationManage)) { _, _ in
            JSONResponse(["items": try await calendar.queues()])
        }
        r.post("api/scheduling/queues", .permission(.schedulingManage), audit: "scheduling.queue.create", object: "queue") { request, context in
            let queue = try await calendar.createQueue(try await request.json(SlotCalendar.QueueInput.self, context: context))
            context.auditNote.set(objectID: queue.code, detail: "新建预约队列 \(queue.code) \(queue.name)")
            return JSONResponse(queue, status: .created)
        }
        r.put("api/scheduling/queues/:id", .permission(.schedulingManage), audit: "scheduling.queue.update", object: "queue") { request, context in
            let queue = try await calendar.updateQueue(try context.intParameter("id"), try await request.json(SlotCalendar.QueueInput.self, context: context))
            context.auditNote.set(objectID: queue.code, detail: "修改预约队列 \(queue.code) \(queue.name)" + (queue.active ? "" : "（停用）"))
            return JSONResponse(queue)
        }
        r.get("api/scheduling/settings", .permission(.registrationManage)) { _, _ in
            JSONResponse(Settings(timeZone: calendar.timeZone.identifier, today: scheduling.today(), horizonDays: scheduling.horizonDays))
        }
        r.get("api/scheduling/cycles", .permission(.registrationManage)) { _, _ in
            JSONResponse(["items": try await calendar.cycles()])
        }
        r.delete("api/scheduling/cycles/:id", .permission(.schedulingManage), audit: "scheduling.cycle.delete", object: "cycle") { _, context in
            let id = try context.intParameter("id")
            try await calendar.deleteCycle(id)
            context.auditNote.set(objectID: String(id), detail: "删除号源周期 #\(id)")
            return Response(status: .noContent)
        }
        r.get("api/scheduling/holidays", .permission(.registrationManage)) { request, _ in
            let from = request.query("from") ?? "0000-01-01", to = request.query("to") ?? "9999-12-31"
            return JSONResponse(["items": try await calendar.holidays(from: from, to: to)])
        }
        r.delete("api/scheduling/holidays/:date", .permission(.schedulingManage), audit: "scheduling.holiday.delete", object: "holiday") { _, context in
            let date = try context.require("date")
            try await calendar.deleteHoliday(date: date)
            context.auditNote.set(objectID: date, detail: "取消节假日 \(date)")
            return Response(status: .noContent)
        }
        r.get("api/scheduling/queues/:id/templates", .permission(.registrationManage)) { _, context in
            JSONResponse(["items": try await calendar.templates(queue: try context.intParameter("id"))])
        }
        r.post("api/scheduling/queues/:id/templates", .permission(.schedulingManage), audit: "scheduling.template.create", object: "queue") {
            request, context in
            let id = try context.intParameter("id")
            let template = try await calendar.createTemplate(queue: id, try await request.json(SlotCalendar.TemplateInput.self, context: context))
            context.auditNote.set(objectID: String(id), detail: "新增号源模板（\(template.kind.rawValue) \(template.startTime)–\(template.endTime)，容量 \(template.capacity)）")
            return JSONResponse(template, status: .created)
        }
        r.delete("api/scheduling/templates/:id", .permission(.schedulingManage), audit: "scheduling.template.delete", object: "template") { _, context in
            let id = try context.intParameter("id")
            try await calendar.deleteTemplate(id)
            context.auditNote.set(objectID: String(id), detail: "删除号源模板 #\(id)")
            return Response(status: .noContent)
        }
        r.post("api/scheduling/queues/:id/generate", .permission(.schedulingManage), audit: "scheduling.slots.generate", object: "queue") {
            request, context in
            let id = try context.intParameter("id")
            let input = try await request.json(Generate.self, context: context)
            let made = try await calendar.regenerate(queue: id, from: input.from ?? scheduling.today(), days: min(max(input.days ?? scheduling.horizonDays, 1), 400))
            context.auditNote.set(objectID: String(id), detail: "重新生成号源：\(made) 个时段")
            return JSONResponse(["made": made])
        }
        r.post("api/scheduling/cycles", .permission(.schedulingManage), audit: "scheduling.cycle.create", object: "cycle") { request, context in
            let input = try await request.json(CycleInput.self, context: context)
            let id = try await calendar.createCycle(name: input.name ?? "", startMD: input.startMD ?? "", endMD: input.endMD ?? "")
            context.auditNote.set(objectID: String(id), detail: "新增号源周期 \(input.name ?? "")（\(input.startMD ?? "")–\(input.endMD ?? "")）")
            return JSONResponse(["id": id], status: .created)
        }
        r.put("api/scheduling/holidays/:date", .permission(.schedulingManage), audit: "scheduling.holiday.set", object: "holiday") { request, context in
            let date = try context.require("date")
            let input = try await request.json(HolidayInput.self, context: context)
            try await calendar.setHoliday(date: date, name: input.name ?? "节假日")
            context.auditNote.set(objectID: date, detail: "设置节假日 \(date) \(input.name ?? "")")
            return Response(status: .noContent)
        }
        r.get("api/scheduling/queues/:id/slots", .permission(.registrationManage)) { request, context in
            let id = try context.intParameter("id")
            let from = request.query("from") ?? scheduling.today(), to = request.query("to") ?? from
            if let item = try request.queryInt("orderItemId") {
                return JSONResponse(["items": try await booking.calendarView(queue: id, itemID: item, from: from, to: to,
                                                                              channel: request.query("channel") ?? "desk")])
            }
            return JSONResponse(["items": try await calendar.slots(queue: id, from: from, to: to).map { BookingEngine.SlotView(slot: $0, refusal: nil) }])
        }
        r.get("api/scheduling/queues/:id/next-available", .permission(.registrationManage)) { request, context in
            guard let item = try request.queryInt("orderItemId") else {
                throw DomainError.validation([FieldError(field: "orderItemId", code: "required", zh: "请选择检查项目", en: "orderItemId is required")])
            }
            let options = try await booking.nextAvailable(
                queue: try context.intParameter("id"), itemID: item, from: request.query("from") ?? scheduling.today(),
                days: min(max(try request.queryInt("days") ?? 30, 1), 120), limit: min(max(try request.queryInt("limit") ?? 5, 1), 50),
                anyOrder: request.query("anyOrder") == "true", doctor: request.query("doctor"), channel: request.query("channel") ?? "desk")
            return JSONResponse(["items": options])
        }

        // MARK: Appointments (REG-01, REG-13, REG-19)
        r.post("api/scheduling/appointments", .permission(.registrationManage), audit: "scheduling.appointment.book", object: "appointment") {
            request, context in
            let principal = try context.require()
            let (appointment, created) = try await booking.book(try await request.json(BookingEngine.BookInput.self, context: context), by: principal.displayName)
            context.auditNote.set(objectID: String(appointment.id),
                                  detail: (created ? (appointment.status == "held" ? "锁定号源 " : "预约 ") : "重复请求，返回已有预约 ")
                                      + "\(appointment.date) \(appointment.startTime)（\(BookingChannel(rawValue: appointment.channel)?.zh ?? appointment.channel)）")
            return JSONResponse(appointment, status: created ? .created : .ok)
        }
        r.post("api/scheduling/appointments/together", .permission(.registrationManage), audit: "scheduling.appointment.book-together",
               object: "appointment") { request, context in
            let principal = try context.require()
            let input = try await request.json(Together.self, context: context)
            guard let queue = input.queueId else {
                throw DomainError.validation([FieldError(field: "queueId", code: "required", zh: "请选择预约队列", en: "queueId is required")])
            }
            let booked = try await booking.bookTogether(itemIDs: input.orderItemIds ?? [], queue: queue, from: input.from ?? scheduling.today(),
                                                        days: min(max(input.days ?? 30, 1), 120), channel: input.channel ?? "desk",
                                                        by: principal.displayName)
            context.auditNote.set(objectID: booked.map { String($0.id) }.joined(separator: ","),
                                  detail: "合并预约 \(booked.count) 个项目：\(booked.first?.date ?? "") \(booked.first?.startTime ?? "")")
            return JSONResponse(["items": booked], status: .created)
        }
        r.get("api/scheduling/appointments", .permission(.registrationManage), audit: "scheduling.appointment.list", object: "appointment") {
            request, context in
            let page = try await booking.list(date: request.query("date"), queue: try request.queryInt("queueId"), status: request.query("status"),
                                              orderItem: try request.queryInt("orderItemId"), page: try request.pageRequest)
            context.auditNote.set(detail: "查看预约列表 \(request.query("date") ?? "")：\(page.total) 条")
            return JSONResponse(page)
        }
        r.get("api/scheduling/appointments/:id", .permission(.registrationManage)) { _, context in
            JSONResponse(try await booking.appointment(try context.intParameter("id")))
        }
        r.post("api/scheduling/appointments/:id/confirm", .permission(.registrationManage), audit: "scheduling.appointment.confirm", object: "appointment") {
            _, context in
            let id = try context.intParameter("id")
            let a = try await booking.confirm(id)
            context.auditNote.set(objectID: String(id), detail: "确认预约 \(a.date) \(a.startTime)")
            return JSONResponse(a)
        }
        r.post("api/scheduling/appointments/:id/cancel", .permission(.registrationManage), audit: "scheduling.appointment.cancel", object: "appointment") {
            request, context in
            let id = try context.intParameter("id")
            let reason = try await request.json(Reason.self, context: context).reason ?? ""
            let a = try await booking.cancel(id, reason: reason)
            context.auditNote.set(objectID: String(id), detail: "取消预约 \(a.date) \(a.startTime)：\(reason)")
            return JSONResponse(a)
        }
        r.post("api/scheduling/appointments/:id/reschedule", .permission(.registrationManage), audit: "scheduling.appointment.reschedule",
               object: "appointment") { request, context in
            let id = try context.intParameter("id")
            let move = try await request.json(Move.self, context: context)
            var parts = move.parts ?? []
            if parts.isEmpty, let slot = move.slotId {
                let current = try await booking.appointment(id)
                parts = [.init(slotId: slot, units: current.slots.reduce(0) { $0 + $1.units })]
            }
            let a = try await booking.reschedule(id, parts: parts)
            context.auditNote.set(objectID: String(id), detail: "改约到 \(a.date) \(a.startTime)")
            return JSONResponse(a)
        }
        r.post("api/scheduling/appointments/:id/check-in", .permission(.registrationManage), audit: "scheduling.appointment.check-in", object: "appointment") {
            _, context in
            let id = try context.intParameter("id")
            let a = try await booking.checkIn(id)
            context.auditNote.set(objectID: String(id), detail: "登记，检查号 \(a.accessionNumber ?? "")")
            return JSONResponse(a)
        }
        r.post("api/scheduling/appointments/:id/no-show", .permission(.registrationManage), audit: "scheduling.appointment.no-show", object: "appointment") {
            _, context in
            let id = try context.intParameter("id")
            let a = try await booking.noShow(id)
            context.auditNote.set(objectID: String(id), detail: "标记爽约 \(a.date) \(a.startTime)")
            return JSONResponse(a)
        }

        // MARK: Booking rules (REG-07, REG-08, REG-10)
        r.get("api/scheduling/rules", .permission(.registrationManage)) { _, _ in
            JSONResponse(RuleListing(items: try await scheduling.rules.list(), fields: BookingRules.fields))
        }
        r.post("api/scheduling/rules", .permission(.schedulingManage), audit: "scheduling.rule.create", object: "booking_rule") { request, context in
            let rule = try await scheduling.rules.create(try await request.json(BookingRules.Input.self, context: context))
            context.auditNote.set(objectID: String(rule.id), detail: "新增预约规则「\(rule.name)」（\(rule.kind.rawValue)）：\(rule.message)")
            return JSONResponse(rule, status: .created)
        }
        r.put("api/scheduling/rules/:id", .permission(.schedulingManage), audit: "scheduling.rule.update", object: "booking_rule") { request, context in
            let rule = try await scheduling.rules.update(try context.intParameter("id"), try await request.json(BookingRules.Input.self, context: context))
            context.auditNote.set(objectID: String(rule.id), detail: "修改预约规则「\(rule.name)」" + (rule.active ? "" : "（停用）"))
            return JSONResponse(rule)
        }
        r.delete("api/scheduling/rules/:id", .permission(.schedulingManage), audit: "scheduling.rule.delete", object: "booking_rule") { _, context in
            let id = try context.intParameter("id")
            try await scheduling.rules.delete(id)
            context.auditNote.set(objectID: String(id), detail: "删除预约规则 #\(id)")
            return Response(status: .noContent)
        }
        r.get("api/scheduling/order-items/:id/merge-candidates", .permission(.registrationManage)) { _, context in
            JSONResponse(["items": try await scheduling.rules.mergeCandidates(itemID: try context.intParameter("id"), orders: orders,
                                                                              calendar: calendar.calendar)])
        }

        // MARK: Exam numbers (REG-09), blacklist (REG-17), statistics
        r.get("api/scheduling/exam-number-rules", .permission(.registrationManage)) { _, _ in
            JSONResponse(["items": try await scheduling.numbers.rules()])
        }
        r.put("api/scheduling/exam-number-rules", .permission(.schedulingManage), audit: "scheduling.exam-number-rule.save", object: "rule") {
            request, context in
            let rule = try await scheduling.numbers.save(try await request.json(ExamNumbers.RuleInput.self, context: context))
            context.auditNote.set(objectID: String(rule.id), detail: "检查号规则 \(rule.department)/\(rule.modality)：例 \(rule.example)")
            return JSONResponse(rule)
        }
        r.delete("api/scheduling/exam-number-rules/:id", .permission(.schedulingManage), audit: "scheduling.exam-number-rule.delete", object: "rule") {
            _, context in
            let id = try context.intParameter("id")
            try await scheduling.numbers.delete(id)
            context.auditNote.set(objectID: String(id), detail: "删除检查号规则 #\(id)")
            return Response(status: .noContent)
        }
        r.get("api/scheduling/blacklist", .permission(.registrationManage)) { _, _ in
            JSONResponse(["items": try await booking.blacklist()])
        }
        r.delete("api/scheduling/blacklist/:patientId", .permission(.schedulingManage), audit: "scheduling.blacklist.lift", object: "patient") { _, context in
            let patient = try context.require("patientId")
            try await booking.liftBlacklist(patientID: patient)
            context.auditNote.set(objectID: patient, patientID: patient, detail: "解除预约黑名单")
            return Response(status: .noContent)
        }
        r.get("api/scheduling/statistics", .permission(.registrationManage)) { request, _ in
            let to = request.query("to") ?? scheduling.today()
            let from = request.query("from") ?? to
            return JSONResponse(["items": try await booking.statistics(from: from, to: to)])
        }
        r.get("api/scheduling/statistics/export.xlsx", .permission(.registrationManage), audit: "scheduling.statistics.export", object: "appointment") {
            request, context in
            let to = request.query("to") ?? scheduling.today()
            let from = request.query("from") ?? to
            let rows = try await booking.statistics(from: from, to: to)
            let en = request.prefersEnglish
            let header = en ? ["Channel", "Bookings", "Checked in", "No-shows", "Cancelled", "No-show rate"]
                : ["预约渠道", "预约数", "已登记", "爽约", "取消", "爽约率"]
            func rate(_ r: BookingEngine.ChannelStatistics) -> String {
                r.bookings == 0 ? "" : String(format: "%.1f%%", Double(r.noShows) * 100 / Double(r.bookings))
            }
            let data = try XLSXWriter.data([
                Sheet(name: en ? "Bookings by channel" : "预约统计", header: header,
                      rows: rows.map { [.text(en ? $0.channel : $0.channelName), .number(Double($0.bookings)), .number(Double($0.checkedIn)),
                                        .number(Double($0.noShows)), .number(Double($0.cancelled)), .text(rate($0))] },
                      columnWidths: [16, 10, 10, 10, 10, 10])
            ])
            context.auditNote.set(detail: "导出预约统计 \(from)–\(to)")
            return FileResponse(data: data, contentType: XLSXWriter.contentType,
                                filename: en ? "bookings-\(from)-\(to).xlsx" : "预约统计-\(from)-\(to).xlsx")
        }
    }
}
