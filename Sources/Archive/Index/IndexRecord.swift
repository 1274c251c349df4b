import DICOM
import Foundation

/// The attributes of one instance that the index keeps, per level, taken from its header.
public struct IndexRecord: Sendable, Equatable {
    public var patientID = "", issuer = "", patientName = "", birthDate = "", sex = ""
    public var studyUID = "", studyDate = "", studyTime = "", accessionNumber = "", studyID = "", studyDescription = ""
    public var referringPhysician = "", institution = ""
    public var seriesUID = "", modality = "", seriesNumber = "", seriesDescription = "", bodyPart = "", stationName = "", seriesDate = ""
    public var sopInstanceUID = "", sopClassUID = "", instanceNumber = ""
    /// Image geometry for QIDO-RS (0 when the object has no pixels).
    public var rows = 0, columns = 0, bitsAllocated = 0, frames = 0

    public init() {}

    public init(_ ds: DataSet) {
        func s(_ group: UInt16, _ element: UInt16) -> String {
            (ds.string(Tag(group, element)) ?? "").trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\0")))
        }
        patientID = s(0x0010, 0x0020)
        issuer = s(0x0010, 0x0021)
        patientName = s(0x0010, 0x0010)
        birthDate = s(0x0010, 0x0030)
        sex = s(0x0010, 0x0040)
        studyUID = s(0x0020, 0x000D)
        studyDate = s(0x0008, 0x0020)
        studyTime = s(0x0008, 0x0030)
        accessionNumber = s(0x0008, 0x0050)
        studyID = s(0x0020, 0x0010)
        studyDescription = s(0x0008, 0x1030)
        referringPhysician = s(0x0008, 0x0090)
        institution = s(0x0008, 0x0080)
        seriesUID = s(0x0020, 0x000E)
        modality = s(0x0008, 0x0060)
        seriesNumber = s(0x0020, 0x0011)
        seriesDescription = s(0x0008, 0x103E)
        bodyPart = s(0x0018, 0x0015)
        stationName = s(0x0008, 0x1010)
        seriesDate = s(0x0008, 0x0021)
        sopInstanceUID = s(0x0008, 0x0018)
        sopClassUID = s(0x0008, 0x0016)
        instanceNumber = s(0x0020, 0x0013)
        rows = ds.int(Tag(0x0028, 0x0010)) ?? 0
        columns = ds.int(Tag(0x0028, 0x0011)) ?? 0
        bitsAllocated = ds.int(Tag(0x0028, 0x0100)) ?? 0
        frames = rows > 0 ? max(1, Int(s(0x0028, 0x0008)) ?? 1) : 0
    }

    /// What must be present for the object to be filed: its place in the hierarchy.
    public func missingKeys() -> [String] {
        var out: [String] = []
        if studyUID.isEmpty { out.append("StudyInstanceUID") }
        if seriesUID.isEmpty { out.append("SeriesInstanceUID") }
        if sopInstanceUID.isEmpty { out.append("SOPInstanceUID") }
        if sopClassUID.isEmpty { out.append("SOPClassUID") }
        return out
    }
}
