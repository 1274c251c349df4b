// Shapes of the API's JSON (docs/api.md) and of the context every view receives.
import type { ApiClient } from '../lib/api.js';

export interface RoleRef {
  code: string;
  name: string;
}

// The server leaves out null fields, so optional fields may be absent as well as null: test with `== null`.
export interface Me {
  id: number;
  username: string;
  displayName: string;
  title?: string | null;
  institutionId?: number | null;
  departmentId?: number | null;
  /** Not in the contract yet; shown when the server sends it. */
  institutionName?: string | null;
  departmentName?: string | null;
  roles: RoleRef[];
  permissions: string[];
  passwordChangeRequired: boolean;
  csrfToken?: string;
  /** The rules a new password must meet (absent from older servers). */
  passwordPolicy?: PasswordRules | null;
}

/** `passwordPolicy` of GET /api/me: the password part of the security policy. 0 = no history / no expiry. */
export interface PasswordRules {
  minLength: number;
  minClasses: number;
  historyCount: number;
  maxAgeDays: number;
}

/** An API token of the caller (GET /api/me/tokens); `token` only in the answer that creates it. */
export interface ApiToken {
  id: number;
  name: string;
  createdAt: string;
  expiresAt?: string | null;
  lastUsedAt?: string | null;
  token?: string;
}

export interface LoginAnswer {
  user: Me;
  csrfToken: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface User {
  id: number;
  username: string;
  displayName: string;
  title?: string | null;
  institutionId?: number | null;
  institutionName?: string | null;
  departmentId?: number | null;
  departmentName?: string | null;
  mobile?: string | null;
  active: boolean;
  locked: boolean;
  hasSignature: boolean;
  lastLoginAt?: string | null;
  mustChangePassword?: boolean;
  roles: { roleId: number; code: string; name: string }[];
}

export interface Role {
  id: number;
  code: string;
  name: string;
  description?: string | null;
  builtin: boolean;
  permissions: string[];
  userCount: number;
}

export interface PermissionGroup {
  code: string;
  name: string;
  permissions: { code: string; name: string }[];
}

export interface Assignment {
  roleId: number | null;
  allInstitutions: boolean;
  institutionIds: number[];
  allCategories: boolean;
  categoryIds: number[];
}

export interface DictKind {
  kind: string;
  name: string;
  fields: import('../lib/validate.js').DictField[];
}

export type DictRow = { id: number; active: boolean; createdAt?: string; updatedAt?: string } & Record<string, any>;

export interface SecurityPolicy {
  minLength: number;
  minClasses: number;
  maxAgeDays: number;
  historyCount: number;
  lockoutThreshold: number;
  lockoutMinutes: number;
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
}

export interface AuditRecord {
  id: number;
  at: string;
  userId?: number | null;
  username?: string | null;
  /** The server sends a comma-separated string of role codes. */
  roles?: unknown;
  /** The role names for display, 、-separated (newer servers). */
  roleNames?: string | null;
  clientIp?: string | null;
  action: string;
  objectType?: string | null;
  objectId?: string | number | null;
  patientId?: string | null;
  outcome: string;
  detail: unknown;
}

/** GET /api/dicom/status: our own DICOM node. */
export interface DicomStatus {
  aeTitle: string;
  port: number;
  acceptAnyCallingAE: boolean;
  /** keep-first, replace or reject */
  duplicatePolicy: string;
  maxAssociations: number;
  services: string[];
}

/** A remote DICOM node (GET /api/dicom/application-entities). */
export interface ApplicationEntity {
  id: number;
  aeTitle: string;
  host: string;
  port: number;
  description?: string | null;
  institutionId?: number | null;
  /** What the node may ask of us when it calls: store, find, move, get, worklist, mpps, commitment. */
  services: string[];
  active: boolean;
  /** We call it over DICOM TLS. */
  tls?: boolean;
  updatedAt?: string;
}

/** POST /api/dicom/application-entities/:id/echo. `message` is Chinese, `messageEn` English. */
export interface EchoResult {
  ok: boolean;
  status?: number | null;
  milliseconds: number;
  message: string;
  messageEn?: string;
}

/** A live association (GET /api/dicom/associations). */
export interface DicomAssociation {
  id: string;
  callingAETitle: string;
  calledAETitle: string;
  peerHost: string;
  /** "in": the peer called us; "out": we called the peer. */
  direction: string;
  startedAt: string;
  messages: number;
  lastOperation?: string | null;
}

/** One DIMSE exchange (GET /api/dicom/activity). */
export interface DimseActivity {
  id: number;
  at: string;
  associationId?: string;
  direction: string;
  operation: string;
  callingAETitle: string;
  calledAETitle: string;
  peerHost: string;
  sopClassUID?: string;
  sopClassName?: string;
  status: number;
  statusHex: string;
  /** success, warning, failure, cancel or pending */
  statusKind: string;
  /** Plain Chinese text of the status. */
  statusText: string;
  detail?: string;
}

/** One condition of a routing rule: an attribute of the arriving object (or who sent it) against a pattern. */
export interface RoutingCondition {
  /** `callingAE`, a DICOM keyword (`Modality` …) or an 8-digit tag (`00180015`). */
  field: string;
  /** DICOM wildcard pattern(s), `\`-separated alternatives, matched without regard to case. */
  value: string;
  /** The rule applies when the condition does NOT match (absent = false). */
  negate?: boolean | null;
}

/** A routing rule (GET /api/routing/rules `items`). All conditions must hold; none routes everything. */
export interface RoutingRule {
  id: number;
  name: string;
  active: boolean;
  conditions: RoutingCondition[];
  /** AE titles of known application entities. */
  destinations: string[];
  description: string;
  createdAt: string;
  updatedAt: string;
}

/** One send waiting in, or done by, the outbox (GET /api/routing/outbox). */
export interface OutboxItem {
  id: number;
  destination: string;
  sopInstanceUID: string;
  sopClassUID: string;
  studyUID: string;
  seriesUID: string;
  ruleId?: number | null;
  /** pending, sending, done or dead */
  status: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string;
  doneAt?: string | null;
  createdAt: string;
}

/** The health of one destination (GET /api/routing/destinations `items`). */
export interface DestinationHealth {
  destination: string;
  /** waiting or being sent */
  pending: number;
  dead: number;
  delivered: number;
  lastDeliveredAt?: string | null;
  lastError: string;
  /** ok, retrying (failures being retried) or failing (dead letters waiting) */
  state: string;
}

export interface ViewContext {
  api: ApiClient;
  me: Me;
  can: (permission: string) => boolean;
  /** Aborted when the user navigates away. */
  signal: AbortSignal;
  /** Path segments after the module, e.g. ["institutions"] for #/dict/institutions. */
  params: string[];
  query: URLSearchParams;
  navigate: (path: string) => void;
  /** Change the route without a history entry (e.g. #/dict → #/dict/institutions). */
  replaceRoute: (path: string) => void;
}

// ---- 影像数据管理 (GET /api/archive/…, Sources/Archive/Management/ArchiveCatalog.swift)

/** Cloud upload counts of a study's instances; `state` is uploaded / partial / pending / failed. */
export interface CloudCounts {
  uploaded: number;
  pending: number;
  failed: number;
  evicted: number;
  state: string;
}

/** A row of GET /api/archive/studies. Dates are DICOM DA ("20241220"); archivedAt is ISO. */
export interface ArchivedStudy {
  studyUID: string;
  patientName: string;
  patientId: string;
  sex: string;
  birthDate: string;
  accessionNumber: string;
  studyDate: string;
  studyTime: string;
  /** "CT\\OT" */
  modalities: string;
  description: string;
  institutionId?: number | null;
  institutionName: string;
  numSeries: number;
  numInstances: number;
  sizeBytes: number;
  archivedAt: string;
  lastReceivedAt: string;
  cloud: CloudCounts;
  routingPending: number;
  routingFailed: number;
  /** matched / auto-registered / conflict / unmatched; '' until the matcher has looked at the study. */
  matchStatus: string;
  /** Why, in Chinese (ExamMatcher). */
  matchReason: string;
}

/** An exam (worklist item) a study of the match queue could belong to. Dates are DICOM DA. */
export interface MatchCandidate {
  id: number;
  accessionNumber: string;
  patientId: string;
  patientName: string;
  modality: string;
  scheduledDate: string;
  procedureDescription: string;
  /** SCHEDULED / IN PROGRESS / COMPLETED / DISCONTINUED */
  status: string;
}

/**
 * A row of GET /api/archive/match-queue: a study no exam could be found for (unmatched), several could (conflict), or
 * a department rule proposed one for a person to confirm (suggested; that exam is `suggestedExamId`, first in candidates).
 */
export interface MatchQueueItem {
  studyUID: string;
  patientId: string;
  patientName: string;
  accessionNumber: string;
  studyDate: string;
  /** "CT\\OT" */
  modalities: string;
  description: string;
  status: string;
  /** Why, in Chinese. */
  reason: string;
  suggestedExamId?: number | null;
  candidates: MatchCandidate[];
}

/** GET /api/archive/studies/{uid}/completeness; state complete / incomplete / receiving, reason in Chinese. */
export interface StudyCompleteness {
  studyUID: string;
  state: string;
  reason: string;
  mppsStatus?: string | null;
  series: {
    seriesUID: string;
    seriesNumber: string;
    modality: string;
    description: string;
    received: number;
    expected?: number | null;
    missingNumbers: number[];
    complete: boolean;
  }[];
}

/** A row of GET /api/archive/studies/{uid}/access (from the audit trail). */
export interface StudyAccess {
  at: string;
  username: string;
  clientIp: string;
  action: string;
  outcome: string;
  detail: string;
}

/** GET /api/archive/statistics `items`. */
export interface ArchiveStatRow {
  key: string;
  studies: number;
  instances: number;
  bytes: number;
}

/** GET /api/archive/upload-status `items` (instances). */
export interface UploadStatusRow {
  key: string;
  uploaded: number;
  pending: number;
  failed: number;
}

/** GET /api/archive/storage. */
export interface StorageSummary {
  objectStore: boolean;
  instances: number;
  bytes: number;
  uploaded: number;
  pending: number;
  failed: number;
  evicted: number;
}

/** POST /api/archive/cloud/upload. */
export interface CloudUploadResult {
  uploaded: number;
  failed: number;
  evicted: number;
  bytes: number;
  errors: string[];
}
