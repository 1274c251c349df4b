"""Small synthetic studies for the network tests, written with pydicom: one patient with a Chinese name, a CT study
(axial slices, 16-bit signed, plus an RGB secondary capture) and an MR study. Deterministic except for UIDs."""
import pathlib

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


def _base(patient, study, series, sop_class, number):
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.PatientName = patient["name"]
    ds.PatientID = patient["id"]
    ds.PatientBirthDate = patient["birth"]
    ds.PatientSex = patient["sex"]
    ds.StudyInstanceUID = study["uid"]
    ds.StudyDate = study["date"]
    ds.StudyTime = "093000"
    ds.AccessionNumber = study["accession"]
    ds.StudyDescription = study["description"]
    ds.ReferringPhysicianName = "Li^Ming=李^明"
    ds.InstitutionName = "云影市第一人民医院"
    ds.SeriesInstanceUID = series["uid"]
    ds.SeriesNumber = series["number"]
    ds.SeriesDescription = series["description"]
    ds.Modality = series["modality"]
    ds.InstanceNumber = number
    return ds


def _save(ds, path):
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path


def make(out, ct_slices=12, mr_slices=4):
    out = pathlib.Path(out)
    patient = {"name": "Zhang^San=张^三", "id": "P0000001", "birth": "19650312", "sex": "M"}
    files = []
    ct_study = {"uid": generate_uid(), "date": "20241220", "accession": "CT2024001", "description": "胸腹部CT增强 CHEST/ABDOMEN CT"}
    axial = {"uid": generate_uid(), "number": 2, "description": "胸部 5mm", "modality": "CT"}
    yy, xx = np.mgrid[0:256, 0:256]
    body = ((xx - 128) ** 2 / 110**2 + (yy - 128) ** 2 / 90**2) <= 1
    for n in range(ct_slices):
        ds = _base(patient, ct_study, axial, CT_IMAGE, n + 1)
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.ImagePositionPatient = [-128.0, -128.0, -5.0 * n]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [1.0, 1.0]
        ds.SliceThickness = 5.0
        ds.Rows, ds.Columns = 256, 256
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        ds.WindowCenter, ds.WindowWidth = 40, 400
        pixels = np.where(body, 1024 + 40 + ((xx * 7 + yy * 3 + n * 11) % 60), 0).astype(np.int16)
        ds.PixelData = pixels.tobytes()
        files.append(_save(ds, out / "CT" / f"I{n + 1:04d}.dcm"))
    sc_series = {"uid": generate_uid(), "number": 900, "description": "彩色重建截图", "modality": "OT"}
    sc = _base(patient, ct_study, sc_series, SECONDARY_CAPTURE, 1)
    sc.ConversionType = "WSD"
    sc.Rows, sc.Columns = 128, 128
    sc.SamplesPerPixel, sc.PhotometricInterpretation, sc.PlanarConfiguration = 3, "RGB", 0
    sc.BitsAllocated, sc.BitsStored, sc.HighBit, sc.PixelRepresentation = 8, 8, 7, 0
    rgb = np.zeros((128, 128, 3), np.uint8)
    rgb[..., 0] = np.arange(128)[None, :] * 2
    rgb[..., 1] = np.arange(128)[:, None] * 2
    rgb[..., 2] = 128
    sc.PixelData = rgb.tobytes()
    files.append(_save(sc, out / "SC" / "I0001.dcm"))
    mr_study = {"uid": generate_uid(), "date": "20250105", "accession": "MR2025001", "description": "头颅MR平扫 HEAD MR"}
    mr_series = {"uid": generate_uid(), "number": 1, "description": "T1 横断位", "modality": "MR"}
    for n in range(mr_slices):
        ds = _base(patient, mr_study, mr_series, MR_IMAGE, n + 1)
        ds.Rows, ds.Columns = 64, 64
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) % 4096).tobytes()
        files.append(_save(ds, out / "MR" / f"I{n + 1:04d}.dcm"))
    return files
