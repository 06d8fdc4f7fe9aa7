// @vitest-environment node
// Reads and generates files: node, not the DOM the component tests get.
import { describe, expect, it } from 'vitest'
import { generatedAndCommitted, renderSchemaTypes } from '../../scripts/schema-types.mjs'

describe('schema.generated.ts', () => {
  it('is what scripts/schema-types.mjs makes from docs/graphql.md (run npm run gen:schema-types)', () => {
    const { generated, committed } = generatedAndCommitted()
    expect(committed).toBe(generated)
  })

  it('maps nullability, lists, enums and inputs as the API sends and takes them', () => {
    const markdown = [
      '```graphql',
      'type Query {',
      '  "A call."',
      '  dialog(callId: String!): Dialog',
      '}',
      'enum Role {',
      '  VIEWER',
      '  ADMIN',
      '}',
      'scalar Long',
      'type Dialog {',
      '  callId: String!',
      '  pddMs: Long',
      '  legs: [String!]!',
      '  maybe: [Int]',
      '  role: Role!',
      '}',
      'input Filter {',
      '  from: String!',
      '  to: String',
      '}',
      '```',
    ].join('\n')
    const ts = renderSchemaTypes(markdown)
    expect(ts).toContain("export type Role = 'VIEWER' | 'ADMIN'")
    expect(ts).toContain(
      'export interface Dialog {\n  callId: string\n  pddMs: number | null\n  legs: string[]\n  maybe: (number | null)[] | null\n  role: Role\n}',
    )
    expect(ts).toContain('export interface Filter {\n  from: string\n  to?: string | null\n}')
    expect(ts).toContain('export interface Query {\n  /** A call. */\n  dialog: Dialog | null\n}')
  })
})
