import Foundation

/// Upper-layer protocol data units (PS3.8 9.3). Encoding and decoding are pure functions over bytes so they can
/// be tested (and fuzzed) without a socket.
public enum PDU: Equatable, Sendable {
    case associateRQ(AssociateRQ)
    case associateAC(AssociateAC)
    case associateRJ(AssociateRJ)
    case dataTF([PDV])
    case releaseRQ
    case releaseRP
    case abort(source: UInt8, reason: UInt8)

    public var typeCode: UInt8 {
        switch self {
        case .associateRQ: 0x01
        case .associateAC: 0x02
        case .associateRJ: 0x03
        case .dataTF: 0x04
        case .releaseRQ: 0x05
        case .releaseRP: 0x06
        case .abort: 0x07
        }
    }
}

public struct PresentationContextRQ: Equatable, Sendable {
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntaxes: [String]
    public init(id: UInt8, abstractSyntax: String, transferSyntaxes: [String]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }
}

public struct PresentationContextAC: Equatable, Sendable {
    /// PS3.8 Table 9-18: 0 acceptance, 1 user-rejection, 2 no-reason, 3 abstract syntax not supported,
    /// 4 transfer syntaxes not supported.
    public enum Result: UInt8, Sendable { case acceptance = 0, userRejection = 1, noReason = 2, abstractSyntaxNotSupported = 3, transferSyntaxesNotSupported = 4 }
    public var id: UInt8
    public var result: Result
    public var transferSyntax: String
    public init(id: UInt8, result: Result, transferSyntax: String) {
        self.id = id
        self.result = result
        self.transferSyntax = transferSyntax
    }
}

public struct RoleSelection: Equatable, Sendable {
    public var sopClassUID: String
    public var scuRole: Bool
    public var scpRole: Bool
    public init(sopClassUID: String, scuRole: Bool, scpRole: Bool) {
        self.sopClassUID = sopClassUID
        self.scuRole = scuRole
        self.scpRole = scpRole
    }
}

public struct UserIdentity: Equatable, Sendable {
    /// 1 username, 2 username and passcode, 3 Kerberos, 4 SAML, 5 JWT.
    public var type: UInt8
    public var positiveResponseRequested: Bool
    public var primary: Data
    public var secondary: Data
    public init(type: UInt8, positiveResponseRequested: Bool, primary: Data, secondary: Data) {
        self.type = type
        self.positiveResponseRequested = positiveResponseRequested
        self.primary = primary
        self.secondary = secondary
    }
}

/// User Information item (PS3.7 D.3.3): maximum length, implementation identification, asynchronous operations,
/// role selection, extended negotiation, user identity.
public struct UserInformation: Equatable, Sendable {
    public var maxLength: UInt32 = 0
    public var implementationClassUID: String = ""
    public var implementationVersionName: String?
    public var asyncOperations: (invoked: UInt16, performed: UInt16)?
    public var roleSelections: [RoleSelection] = []
    public var extendedNegotiation: [(sopClassUID: String, info: Data)] = []
    public var userIdentityRequest: UserIdentity?
    public var userIdentityResponse: Data?

    public init(maxLength: UInt32 = 0, implementationClassUID: String = "", implementationVersionName: String? = nil) {
        self.maxLength = maxLength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }

    public static func == (a: UserInformation, b: UserInformation) -> Bool {
        a.maxLength == b.maxLength && a.implementationClassUID == b.implementationClassUID
            && a.implementationVersionName == b.implementationVersionName && a.asyncOperations?.invoked == b.asyncOperations?.invoked
            && a.asyncOperations?.performed == b.asyncOperations?.performed && a.roleSelections == b.roleSelections
            && a.extendedNegotiation.map(\.sopClassUID) == b.extendedNegotiation.map(\.sopClassUID)
            && a.extendedNegotiation.map(\.info) == b.extendedNegotiation.map(\.info)
            && a.userIdentityRequest == b.userIdentityRequest && a.userIdentityResponse == b.userIdentityResponse
    }
}

public struct AssociateRQ: Equatable, Sendable {
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContext: String = "1.2.840.10008.3.1.1.1"
    public var presentationContexts: [PresentationContextRQ]
    public var userInformation: UserInformation
    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextRQ], userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }
}

public struct AssociateAC: Equatable, Sendable {
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContext: String = "1.2.840.10008.3.1.1.1"
    public var presentationContexts: [PresentationContextAC]
    public var userInformation: UserInformation
}

public struct AssociateRJ: Equatable, Sendable {
    /// 1 rejected-permanent, 2 rejected-transient.
    public var result: UInt8
    /// 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation).
    public var source: UInt8
    /// With source 1: 1 no reason, 2 application context not supported, 3 calling AE not recognised, 7 called AE not
    /// recognised. With source 3: 1 temporary congestion, 2 local limit exceeded.
    public var reason: UInt8
    public init(result: UInt8, source: UInt8, reason: UInt8) {
        self.result = result
        self.source = source
        self.reason = reason
    }
    public static let callingAENotRecognized = AssociateRJ(result: 1, source: 1, reason: 3)
    public static let calledAENotRecognized = AssociateRJ(result: 1, source: 1, reason: 7)
    public static let applicationContextNotSupported = AssociateRJ(result: 1, source: 1, reason: 2)
    public static let localLimitExceeded = AssociateRJ(result: 2, source: 3, reason: 2)
}

/// One presentation data value: part of a command or data set, for one presentation context.
public struct PDV: Equatable, Sendable {
    public var contextID: UInt8
    public var isCommand: Bool
    public var isLast: Bool
    public var data: Data
    public init(contextID: UInt8, isCommand: Bool, isLast: Bool, data: Data) {
        self.contextID = contextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }
}

public enum PDUError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(offset: Int)
    case unknownType(UInt8)
    case invalidItem(type: UInt8, offset: Int)
    case tooLarge(length: Int, limit: Int)
    case invalid(String)

    public var description: String {
        switch self {
        case .truncated(let o): "PDU truncated at offset \(o)"
        case .unknownType(let t): "unknown PDU type 0x\(String(t, radix: 16))"
        case .invalidItem(let t, let o): "invalid item 0x\(String(t, radix: 16)) at offset \(o)"
        case .tooLarge(let l, let m): "PDU of \(l) bytes exceeds the limit of \(m)"
        case .invalid(let s): s
        }
    }
}
