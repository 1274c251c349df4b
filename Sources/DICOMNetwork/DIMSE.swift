import DICOM
import Foundation

/// DIMSE command fields (PS3.7 E.1 and E.2).
public enum CommandField: UInt16, Sendable {
    case cStoreRQ = 0x0001, cStoreRSP = 0x8001
    case cGetRQ = 0x0010, cGetRSP = 0x8010
    case cFindRQ = 0x0020, cFindRSP = 0x8020
    case cMoveRQ = 0x0021, cMoveRSP = 0x8021
    case cEchoRQ = 0x0030, cEchoRSP = 0x8030
    case nEventReportRQ = 0x0100, nEventReportRSP = 0x8100
    case nGetRQ = 0x0110, nGetRSP = 0x8110
    case nSetRQ = 0x0120, nSetRSP = 0x8120
    case nActionRQ = 0x0130, nActionRSP = 0x8130
    case nCreateRQ = 0x0140, nCreateRSP = 0x8140
    case nDeleteRQ = 0x0150, nDeleteRSP = 0x8150
    case cCancelRQ = 0x0FFF

    public var isResponse: Bool { rawValue & 0x8000 != 0 && self != .cCancelRQ }
    public var response: CommandField? { CommandField(rawValue: rawValue | 0x8000) }
    /// "C-STORE-RQ" — how DCMTK and the standard write it, for logs and the activity page.
    public var label: String {
        let base: String =
            switch CommandField(rawValue: rawValue & 0x7FFF) ?? self {
            case .cStoreRQ: "C-STORE"
            case .cGetRQ: "C-GET"
            case .cFindRQ: "C-FIND"
            case .cMoveRQ: "C-MOVE"
            case .cEchoRQ: "C-ECHO"
            case .nEventReportRQ: "N-EVENT-REPORT"
            case .nGetRQ: "N-GET"
            case .nSetRQ: "N-SET"
            case .nActionRQ: "N-ACTION"
            case .nCreateRQ: "N-CREATE"
            case .nDeleteRQ: "N-DELETE"
            default: "C-CANCEL"
            }
        return self == .cCancelRQ ? "C-CANCEL-RQ" : base + (isResponse ? "-RSP" : "-RQ")
    }
}

/// Command set attributes (PS3.7 E.1).
public enum CommandTag {
    public static let groupLength = Tag(0x0000, 0x0000)
    public static let affectedSOPClassUID = Tag(0x0000, 0x0002)
    public static let requestedSOPClassUID = Tag(0x0000, 0x0003)
    public static let commandField = Tag(0x0000, 0x0100)
    public static let messageID = Tag(0x0000, 0x0110)
    public static let messageIDBeingRespondedTo = Tag(0x0000, 0x0120)
    public static let moveDestination = Tag(0x0000, 0x0600)
    public static let priority = Tag(0x0000, 0x0700)
    public static let commandDataSetType = Tag(0x0000, 0x0800)
    public static let status = Tag(0x0000, 0x0900)
    public static let offendingElement = Tag(0x0000, 0x0901)
    public static let errorComment = Tag(0x0000, 0x0902)
    public static let affectedSOPInstanceUID = Tag(0x0000, 0x1000)
    public static let requestedSOPInstanceUID = Tag(0x0000, 0x1001)
    public static let eventTypeID = Tag(0x0000, 0x1002)
    public static let actionTypeID = Tag(0x0000, 0x1008)
    public static let remaining = Tag(0x0000, 0x1020)
    public static let completed = Tag(0x0000, 0x1021)
    public static let failed = Tag(0x0000, 0x1022)
    public static let warning = Tag(0x0000, 0x1023)
    public static let moveOriginatorAETitle = Tag(0x0000, 0x1030)
    public static let moveOriginatorMessageID = Tag(0x0000, 0x1031)
}

/// Where a message's data set is: in memory, or — for C-STORE, streamed as it arrived — in a Part 10 file.
public enum DIMSEPayload: Sendable {
    case none
    case bytes(Data)
    case file(URL)
    /// The data set arrived but could not be kept (disk full, cannot create the file): answer with an error status.
    case failed(String)
}

/// A DIMSE message: its command set and, when present, its data set in the presentation context's syntax.
public struct DIMSEMessage: Sendable {
    public var contextID: UInt8
    public var command: DataSet
    public var payload: DIMSEPayload

    public init(contextID: UInt8, command: DataSet, payload: DIMSEPayload = .none) {
        self.contextID = contextID
        self.command = command
        self.payload = payload
    }

    public init(contextID: UInt8, command: DataSet, dataset: Data?) {
        self.init(contextID: contextID, command: command, payload: dataset.map(DIMSEPayload.bytes) ?? .none)
    }

    public var dataset: Data? { if case .bytes(let d) = payload { d } else { nil } }

    /// The in-memory data set (identifier, attribute list, event information) parsed in the context's syntax.
    public func decodedDataset(in syntax: TransferSyntax) throws -> DataSet {
        try DICOMReader.readDataSet(dataset ?? Data(), syntax: syntax)
    }
    public var commandField: UInt16? { command.int(CommandTag.commandField).map { UInt16(truncatingIfNeeded: $0) } }
    public var field: CommandField? { commandField.flatMap(CommandField.init(rawValue:)) }
    public var messageID: Int? { command.int(CommandTag.messageID) }
    public var respondedMessageID: Int? { command.int(CommandTag.messageIDBeingRespondedTo) }
    public var affectedSOPClassUID: String? { command.string(CommandTag.affectedSOPClassUID) }
    public var affectedSOPInstanceUID: String? { command.string(CommandTag.affectedSOPInstanceUID) }
    public var status: UInt16? { command.int(CommandTag.status).map { UInt16(truncatingIfNeeded: $0) } }
    public var hasDataset: Bool { command.int(CommandTag.commandDataSetType) != 0x0101 }

    /// Error Comment (0000,0902): the command set uses the default repertoire, so ASCII only, at most 64 characters.
    public static func errorComment(_ text: String) -> String {
        var ascii = String.UnicodeScalarView()
        ascii.append(contentsOf: text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 })
        return String(String(ascii).prefix(64))
    }

    /// A command set, always Implicit VR Little Endian with its group length first (PS3.7 6.3.1).
    public static func command(_ elements: (inout DataSet) -> Void) -> DataSet {
        var ds = DataSet()
        elements(&ds)
        ds.remove(CommandTag.groupLength)
        let body = DICOMWriter.encode(ds, syntax: .implicitVRLittleEndian)
        ds.set(CommandTag.groupLength, .UL, ints: [body.count])
        return ds
    }

    /// A request: command field, message ID, SOP class (affected or requested), whether a data set follows.
    public static func request(_ field: CommandField, messageID: Int, contextID: UInt8, sopClass: String, payload: DIMSEPayload = .none,
                               extra: (inout DataSet) -> Void = { _ in }) -> DIMSEMessage {
        let requested = [.nGetRQ, .nSetRQ, .nActionRQ, .nDeleteRQ].contains(field)
        let command = Self.command { ds in
            ds.set(requested ? CommandTag.requestedSOPClassUID : CommandTag.affectedSOPClassUID, .UI, string: sopClass)
            ds.set(CommandTag.commandField, .US, ints: [Int(field.rawValue)])
            ds.set(CommandTag.messageID, .US, ints: [messageID])
            if [.cStoreRQ, .cFindRQ, .cMoveRQ, .cGetRQ].contains(field) { ds.set(CommandTag.priority, .US, ints: [0]) }
            if case .none = payload { ds.set(CommandTag.commandDataSetType, .US, ints: [0x0101]) } else {
                ds.set(CommandTag.commandDataSetType, .US, ints: [0x0001])
            }
            extra(&ds)
        }
        return DIMSEMessage(contextID: contextID, command: command, payload: payload)
    }

    /// The response to a request: SOP class and instance echoed, responding message ID, status.
    public static func response(to request: DIMSEMessage, status: UInt16, dataset: Data? = nil,
                                extra: (inout DataSet) -> Void = { _ in }) -> DIMSEMessage {
        let field = request.field?.response ?? CommandField(rawValue: (request.commandField ?? 0) | 0x8000)
        let command = Self.command { ds in
            if let uid = request.affectedSOPClassUID ?? request.command.string(CommandTag.requestedSOPClassUID) {
                ds.set(CommandTag.affectedSOPClassUID, .UI, string: uid)
            }
            ds.set(CommandTag.commandField, .US, ints: [Int(field?.rawValue ?? ((request.commandField ?? 0) | 0x8000))])
            ds.set(CommandTag.messageIDBeingRespondedTo, .US, ints: [request.messageID ?? 0])
            ds.set(CommandTag.commandDataSetType, .US, ints: [dataset == nil ? 0x0101 : 0x0001])
            ds.set(CommandTag.status, .US, ints: [Int(status)])
            if let uid = request.affectedSOPInstanceUID ?? request.command.string(CommandTag.requestedSOPInstanceUID) {
                ds.set(CommandTag.affectedSOPInstanceUID, .UI, string: uid)
            }
            extra(&ds)
        }
        return DIMSEMessage(contextID: request.contextID, command: command, dataset: dataset)
    }

    /// Splits an in-memory message into P-DATA-TF PDUs no larger than the peer's maximum (0 = no limit).
    public func pdus(maxPDULength: UInt32) -> [PDU] {
        var values = Self.fragments(of: DICOMWriter.encode(command, syntax: .implicitVRLittleEndian), contextID: contextID, isCommand: true,
                                    maxPDULength: maxPDULength)
        if let dataset { values += Self.fragments(of: dataset, contextID: contextID, isCommand: false, maxPDULength: maxPDULength) }
        return values.map { .dataTF([$0]) }
    }

    /// The PDVs that carry a command or data set: slices of `data` (no copies), each small enough for the peer's
    /// maximum PDU length, the last one flagged.
    static func fragments(of data: Data, contextID: UInt8, isCommand: Bool, maxPDULength: UInt32) -> [PDV] {
        let limit = fragmentLimit(maxPDULength)
        var out: [PDV] = []
        var start = data.startIndex
        repeat {
            let end = min(data.endIndex, start + limit)
            out.append(PDV(contextID: contextID, isCommand: isCommand, isLast: end == data.endIndex, data: data[start..<end]))
            start = end
        } while start < data.endIndex
        return out
    }

    /// The largest PDV value that fits the peer's maximum PDU length (PDU header 6 + item header 6 bytes).
    static func fragmentLimit(_ maxPDULength: UInt32) -> Int {
        maxPDULength == 0 ? 1 << 20 : max(Int(maxPDULength) - 6, 64)
    }
}

/// DIMSE status codes (PS3.7 Annex C) with what they mean, in Chinese for the technicians who read the activity log.
public enum DIMSEStatus {
    public static let success: UInt16 = 0x0000
    public static let pending: UInt16 = 0xFF00
    public static let cancel: UInt16 = 0xFE00
    public static let subOperationsWarning: UInt16 = 0xB000
    public static let refusedOutOfResources: UInt16 = 0xA700
    public static let moveOutOfResourcesSubOps: UInt16 = 0xA702
    public static let moveDestinationUnknown: UInt16 = 0xA801
    public static let unableToProcess: UInt16 = 0xC000
    public static let cannotUnderstand: UInt16 = 0xC000
    public static let duplicateSOPInstance: UInt16 = 0x0111
    public static let noSuchSOPInstance: UInt16 = 0x0112
    public static let unrecognizedOperation: UInt16 = 0x0211
    public static let invalidAttributeValue: UInt16 = 0x0106
    public static let missingAttribute: UInt16 = 0x0120
    public static let processingFailure: UInt16 = 0x0110
    public static let notAuthorized: UInt16 = 0x0124

    public enum Kind: String, Sendable { case success, pending, cancel, warning, failure }

    public static func kind(_ status: UInt16) -> Kind {
        switch status {
        case 0x0000: .success
        case 0xFF00, 0xFF01: .pending
        case 0xFE00: .cancel
        case 0x0001, 0x0107, 0x0116, 0xB000...0xBFFF: .warning
        default: .failure
        }
    }

    /// What a technician should read when a transfer fails: plain Chinese, saying what to do where it can.
    public static func chineseText(_ status: UInt16) -> String {
        switch status {
        case 0x0000: "成功"
        case 0xFF00, 0xFF01: "处理中"
        case 0xFE00: "已被对方取消"
        case 0xB000: "部分完成：有图像未能发送或被对方修改"
        case 0xB006, 0xB007: "已接收，但部分字段被忽略"
        case 0xA700...0xA7FF: "对方存储空间或资源不足，请联系对方管理员"
        case 0xA801: "移动目标节点未知：请在“DICOM 节点”中登记该 AE Title"
        case 0xA900...0xA9FF: "数据与 SOP 类不符，请检查设备导出设置"
        case 0xC000...0xCFFF: "对方无法处理该请求（数据有误或不支持）"
        case 0x0111: "重复的图像（SOP Instance UID 已存在）"
        case 0x0112: "对方找不到该对象"
        case 0x0118, 0x0122: "对方不支持该类型的图像或服务"
        case 0x0211: "对方不支持该操作"
        case 0x0106, 0x0120, 0x0105, 0x0117: "数据缺少必需字段或字段取值无效"
        case 0x0110: "对方处理失败"
        case 0x0124: "无权限：该节点未被授权使用此服务"
        default: "失败（状态码 0x\(String(status, radix: 16, uppercase: true))）"
        }
    }
}
