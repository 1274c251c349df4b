import DICOM
import Foundation

/// DIMSE command fields (PS3.7 E.1) used so far.
public enum CommandField: UInt16, Sendable {
    case cEchoRQ = 0x0030
    case cEchoRSP = 0x8030
    case cStoreRQ = 0x0001
    case cStoreRSP = 0x8001
    case cFindRQ = 0x0020
    case cFindRSP = 0x8020
}

/// A DIMSE message: its command set and, when present, the bytes of its data set (in the context's syntax).
public struct DIMSEMessage: Sendable {
    public var contextID: UInt8
    public var command: DataSet
    public var dataset: Data?

    public init(contextID: UInt8, command: DataSet, dataset: Data?) {
        self.contextID = contextID
        self.command = command
        self.dataset = dataset
    }

    public var commandField: UInt16? { command.int(Tag(0x0000, 0x0100)).map { UInt16(truncatingIfNeeded: $0) } }
    public var messageID: Int? { command.int(Tag(0x0000, 0x0110)) }
    public var affectedSOPClassUID: String? { command.string(Tag(0x0000, 0x0002)) }
    public var hasDataset: Bool { command.int(Tag(0x0000, 0x0800)) != 0x0101 }

    /// A command set, always Implicit VR Little Endian with its group length first (PS3.7 6.3.1).
    public static func command(_ elements: (inout DataSet) -> Void) -> DataSet {
        var ds = DataSet()
        elements(&ds)
        ds.remove(Tag(0x0000, 0x0000))
        let body = DICOMWriter.encode(ds, syntax: .implicitVRLittleEndian)
        ds.set(Tag(0x0000, 0x0000), .UL, ints: [body.count])
        return ds
    }

    /// The response to a request: affected SOP class, responding message ID, status, no data set.
    public static func response(to request: DIMSEMessage, field: CommandField, status: UInt16) -> DIMSEMessage {
        let command = Self.command { ds in
            if let uid = request.affectedSOPClassUID { ds.set(Tag(0x0000, 0x0002), .UI, string: uid) }
            ds.set(Tag(0x0000, 0x0100), .US, ints: [Int(field.rawValue)])
            ds.set(Tag(0x0000, 0x0120), .US, ints: [request.messageID ?? 0])
            ds.set(Tag(0x0000, 0x0800), .US, ints: [0x0101])
            ds.set(Tag(0x0000, 0x0900), .US, ints: [Int(status)])
        }
        return DIMSEMessage(contextID: request.contextID, command: command, dataset: nil)
    }

    /// Splits the message into P-DATA-TF PDUs whose size respects the peer's maximum PDU length (0 = no limit).
    public func pdus(maxPDULength: UInt32) -> [PDU] {
        let limit = maxPDULength == 0 ? 1 << 20 : max(Int(maxPDULength) - 6, 64)
        var out: [PDU] = []
        func fragments(_ data: Data, isCommand: Bool) {
            var start = data.startIndex
            repeat {
                let end = min(data.endIndex, start + limit)
                out.append(.dataTF([PDV(contextID: contextID, isCommand: isCommand, isLast: end == data.endIndex, data: data[start..<end])]))
                start = end
            } while start < data.endIndex
        }
        fragments(DICOMWriter.encode(command, syntax: .implicitVRLittleEndian), isCommand: true)
        if let dataset { fragments(dataset, isCommand: false) }
        return out
    }
}

/// Reassembles P-DATA fragments into DIMSE messages (PS3.8 9.3.5, PS3.7 6.3.1).
struct MessageAssembler {
    var command = Data()
    var dataset = Data()
    var pendingCommand: DataSet?
    var contextID: UInt8 = 0

    /// Adds one PDV; returns a message when it is complete.
    mutating func add(_ pdv: PDV) throws -> DIMSEMessage? {
        if pdv.isCommand {
            command.append(pdv.data)
            contextID = pdv.contextID
            guard pdv.isLast else { return nil }
            let parsed = try DICOMReader.readDataSet(command, syntax: .implicitVRLittleEndian)
            command = Data()
            let message = DIMSEMessage(contextID: pdv.contextID, command: parsed, dataset: nil)
            if !message.hasDataset { return message }
            pendingCommand = parsed
            return nil
        }
        guard let pending = pendingCommand, pdv.contextID == contextID else {
            throw PDUError.invalid("data set fragment without its command, or on another presentation context")
        }
        dataset.append(pdv.data)
        guard pdv.isLast else { return nil }
        defer {
            dataset = Data()
            pendingCommand = nil
        }
        return DIMSEMessage(contextID: contextID, command: pending, dataset: dataset)
    }
}
