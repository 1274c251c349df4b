import DICOM
import Foundation

/// Receives the data set of one message as it arrives. A C-STORE data set goes to a file this way, so a 500 MB
/// object never sits in memory and nothing is copied into one buffer.
public protocol DatasetSink: AnyObject, Sendable {
    func append(_ data: Data) throws
    /// All fragments have arrived: complete the file (durable too when the sink was made with `sync`) and say where it is.
    func finish() throws -> URL
    /// The message was abandoned (abort, error): remove what was written.
    func discard()
}

/// Writes a received data set as a Part 10 file: preamble and meta header first (from the command and the
/// presentation context), then the fragments as they come, then fflush — and fsync when `sync` is set. The archive's
/// storage leaves `sync` off and flushes the file together with its directory entry when it files it.
/// Used by one association's reader at a time; the FILE pointer never crosses tasks concurrently.
public final class PartTenFileSink: DatasetSink, @unchecked Sendable {
    let url: URL
    let handle: UnsafeMutablePointer<FILE>
    let sync: Bool

    public init(url: URL, sopClassUID: String, sopInstanceUID: String, transferSyntax: String, sourceAETitle: String, sync: Bool = true) throws {
        self.sync = sync
        guard let handle = fopen(url.path, "wb") else { throw PDUError.invalid("cannot create \(url.path)") }
        self.url = url
        self.handle = handle
        var stub = DataSet()
        stub.set(.sopClassUID, .UI, string: sopClassUID)
        stub.set(.sopInstanceUID, .UI, string: sopInstanceUID)
        let syntax = TransferSyntax.forUID(transferSyntax)
        let meta = DICOMWriter.metaInformation(for: stub, syntax: syntax, sourceAETitle: sourceAETitle)
        try append(DICOMWriter.partTenHeader(meta: meta))
    }

    deinit { fclose(handle) }

    public func append(_ data: Data) throws {
        guard !data.isEmpty else { return }
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        if written != data.count { throw PDUError.invalid("disk write failed for \(url.lastPathComponent)") }
    }

    public func finish() throws -> URL {
        guard fflush(handle) == 0, !sync || fsync(fileno(handle)) == 0 else { throw PDUError.invalid("flush failed for \(url.lastPathComponent)") }
        return url
    }

    public func discard() { unlink(url.path) }
}

/// Reassembles P-DATA fragments into DIMSE messages (PS3.8 9.3.5, PS3.7 6.3.1). When a command announces a data
/// set, `sinkFor` may return a sink that takes the fragments instead of memory.
struct MessageAssembler {
    var command = Data()
    var dataset = Data()
    var pendingCommand: DataSet?
    var sink: DatasetSink?
    /// Why the data set of the message in progress cannot be kept; its fragments are then read and dropped.
    var sinkFailure: String?
    var contextID: UInt8 = 0
    /// A data set kept in memory (queries, N-SET attributes) may not exceed this.
    var memoryLimit = 64 * 1024 * 1024

    /// Adds one PDV; returns a message when it is complete.
    mutating func add(_ pdv: PDV, sinkFor: (DIMSEMessage) throws -> DatasetSink? = { _ in nil }) throws -> DIMSEMessage? {
        if pdv.isCommand {
            guard pendingCommand == nil else { throw PDUError.invalid("command fragment while a data set was expected") }
            command.append(pdv.data)
            contextID = pdv.contextID
            guard command.count <= 1 << 20 else { throw PDUError.invalid("command set larger than 1 MiB") }
            guard pdv.isLast else { return nil }
            let parsed = try DICOMReader.readDataSet(command, syntax: .implicitVRLittleEndian)
            command = Data()
            let message = DIMSEMessage(contextID: pdv.contextID, command: parsed)
            if !message.hasDataset { return message }
            pendingCommand = parsed
            do {
                sink = try sinkFor(message)
            } catch {
                sinkFailure = "\(error)"
            }
            return nil
        }
        guard let pending = pendingCommand, pdv.contextID == contextID else {
            throw PDUError.invalid("data set fragment without its command, or on another presentation context")
        }
        if sinkFailure != nil {
            // keep reading the fragments so the association stays in step; nothing is kept
        } else if let sink {
            do {
                try sink.append(pdv.data)
            } catch {
                sink.discard()
                self.sink = nil
                sinkFailure = "\(error)"
            }
        } else {
            dataset.append(pdv.data)
            guard dataset.count <= memoryLimit else { throw PDUError.invalid("data set larger than \(memoryLimit) bytes") }
        }
        guard pdv.isLast else { return nil }
        defer {
            dataset = Data()
            pendingCommand = nil
            sink = nil
            sinkFailure = nil
        }
        if let failure = sinkFailure { return DIMSEMessage(contextID: contextID, command: pending, payload: .failed(failure)) }
        if let sink {
            do {
                return DIMSEMessage(contextID: contextID, command: pending, payload: .file(try sink.finish()))
            } catch {
                sink.discard()
                return DIMSEMessage(contextID: contextID, command: pending, payload: .failed("\(error)"))
            }
        }
        return DIMSEMessage(contextID: contextID, command: pending, dataset: dataset)
    }

    /// The PDVs of one P-DATA-TF, each on an accepted context; the messages they complete, or nil when a PDV names a
    /// context that was not accepted or breaks the message structure (the association is then aborted, PS3.8 AA-8).
    mutating func add(_ pdvs: [PDV], contexts: [UInt8: AcceptedContext], sinkFor: (DIMSEMessage, AcceptedContext) throws -> DatasetSink?)
        -> [DIMSEMessage]?
    {
        var messages: [DIMSEMessage] = []
        for pdv in pdvs {
            guard let context = contexts[pdv.contextID] else { return nil }
            do {
                if let message = try add(pdv, sinkFor: { try sinkFor($0, context) }) { messages.append(message) }
            } catch {
                return nil
            }
        }
        return messages
    }

    /// The association ended mid-message: drop the partial file.
    mutating func abandon() {
        sink?.discard()
        sink = nil
        sinkFailure = nil
        pendingCommand = nil
        dataset = Data()
    }
}
