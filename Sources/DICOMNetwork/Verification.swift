import DICOM
import Foundation

/// The services behind accepted presentation contexts. Verification answers C-ECHO; commands without a service
/// get status 0x0211 (unrecognised operation) rather than silence.
public enum DIMSEServices {
    public static func handle(_ message: DIMSEMessage, _ association: AssociationAcceptor) -> [DIMSEMessage] {
        switch message.commandField.flatMap(CommandField.init(rawValue:)) {
        case .cEchoRQ:
            return [DIMSEMessage.response(to: message, field: .cEchoRSP, status: 0x0000)]
        default:
            let responseField = (message.commandField ?? 0) | 0x8000
            var response = DIMSEMessage.response(to: message, field: .cEchoRSP, status: 0x0211)
            response.command.set(Tag(0x0000, 0x0100), .US, ints: [Int(responseField)])
            return [response]
        }
    }
}
