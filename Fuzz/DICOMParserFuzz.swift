// libFuzzer entry point for the DICOM parser: any input must end in a value or a DICOMError, never a crash.
// Built by scripts/fuzz-parser.sh with `swiftc -sanitize=fuzzer,address` over Sources/DICOM.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    if let file = try? DICOMReader.read(data) {
        _ = DICOMJSON.encode(file.dataset)
        _ = try? DICOMWriter.write(file)
    }
    _ = try? DICOMReader.readDataSet(data, syntax: .implicitVRLittleEndian)
    return 0
}
