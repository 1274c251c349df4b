// libFuzzer entry point for the DICOM upper layer: the bytes are read as a stream of PDUs and fed to an association
// acceptor, as a peer would send them (a storage context included, so data sets are streamed to a file sink as in the
// server). Any input must end in PDUs, typed errors or an A-ABORT, never a crash.
// Built by scripts/fuzz-parser.sh (target `pdu`).
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: start, count: count))
    var acceptor = AssociationAcceptor(
        policy: AcceptorPolicy(aeTitle: "YUNYING", storageSOPClasses: ["1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.7"]))
    let sink = { (message: DIMSEMessage, context: AcceptedContext) throws -> DatasetSink? in
        guard message.field == .cStoreRQ else { return nil }
        return try PartTenFileSink(url: FileManager.default.temporaryDirectory.appendingPathComponent("yunying-fuzz-sink.dcm"), sopClassUID: message.affectedSOPClassUID ?? "",
                                   sopInstanceUID: message.affectedSOPInstanceUID ?? "", transferSyntax: context.transferSyntax, sourceAETitle: "FUZZ")
    }
    while let (_, length) = PDUCodec.header(bytes), bytes.count >= 6 + length {
        let pdu = Data(bytes[0..<(6 + length)])
        bytes.removeFirst(6 + length)
        var output: AssociationOutput
        if let decoded = try? PDUCodec.decode(pdu, maxLength: 1 << 20) {
            output = acceptor.receive(decoded, sinkFor: sink)
            for message in output.messages { for p in DIMSEMessage.response(to: message, status: 0).pdus(maxPDULength: 64) { _ = p } }
            if output.releaseRequested { output = acceptor.releaseResponse() }
        } else {
            output = acceptor.receiveInvalid()
        }
        for p in output.pdus { _ = PDUCodec.encode(p) }
        if output.close { break }
    }
    acceptor.transportClosed()
    return 0
}
