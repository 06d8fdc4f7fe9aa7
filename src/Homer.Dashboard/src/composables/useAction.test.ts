import { afterEach, describe, expect, it, vi } from 'vitest'
import { useAction } from './useAction'

describe('useAction', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('is busy while the action runs and shows what it returns as done', async () => {
    const { busy, message, error, run } = useAction()
    let finish!: (text: string) => void
    const running = run(() => new Promise<string>((resolve) => (finish = resolve)))
    expect(busy.value).toBe(true)
    finish('Created alice.')
    expect(await running).toBe(true)
    expect(busy.value).toBe(false)
    expect(message.value).toEqual({ tone: 'ok', text: 'Created alice.' })
    expect(error.value).toBeNull()
  })

  it('turns a thrown error into the message and clears it at the next action', async () => {
    const { busy, message, error, run } = useAction()
    expect(await run(() => Promise.reject(new Error('user name taken')))).toBe(false)
    expect(busy.value).toBe(false)
    expect(message.value).toEqual({ tone: 'error', text: 'user name taken' })
    expect(error.value).toBe('user name taken')

    expect(await run(async () => {})).toBe(true)
    expect(message.value).toBeNull()
  })

  it('asks first when told to, and a no runs nothing', async () => {
    // The browser's confirm dialog is the user's answer: the one thing here not run for real.
    const confirm = vi.fn(() => false)
    vi.stubGlobal('confirm', confirm)
    const { run } = useAction()
    const action = vi.fn(async () => 'revoked')
    expect(await run(action, 'Revoke this token?')).toBe(false)
    expect(confirm).toHaveBeenCalledWith('Revoke this token?')
    expect(action).not.toHaveBeenCalled()

    confirm.mockReturnValue(true)
    expect(await run(action, 'Revoke this token?')).toBe(true)
    expect(action).toHaveBeenCalledOnce()
  })

  it('shows a failed check like an action error', () => {
    const { message, fail } = useAction()
    fail('Enter your user name and password.')
    expect(message.value).toEqual({ tone: 'error', text: 'Enter your user name and password.' })
  })
})
