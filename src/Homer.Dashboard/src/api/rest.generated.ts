// The JSON bodies of the node's REST endpoints, generated from the records in src/Homer.Api/Rest by
// tests/Homer.Node.Tests/RestAnswerTypesTests.cs: do not edit. After changing a record, regenerate with
// HOMER_UPDATE_DOCS=1 dotnet test tests/Homer.Node.Tests --filter RestAnswerTypesTests

export interface ApiError {
  error: string
}

export interface ImportAnswer {
  format: string
  packets: number
  bytes: number
  imported: number
  sipMessages: number
  hepPackets: number
  captureId: number
  node: string | null
  first: string | null
  last: string | null
  ipDatagramsReassembled: number
  skipped: Record<string, number>
  seconds: number
}

export interface SharedCallsAnswer {
  callId: string
  callIds: string[]
  expiresAt: string
  messages: SharedMessage[]
}

export interface SharedMessage {
  timestamp: string
  callId: string | null
  srcIp: string
  srcPort: number
  dstIp: string
  dstPort: number
  transport: string
  protocolType: number
  method: string | null
  statusCode: number | null
  reason: string | null
  payload: string
}
