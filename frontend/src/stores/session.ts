import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi, factorsApi, passkeysApi } from '@/api/endpoints'
import { isFactorRequired } from '@/api/types'
import type { CurrentSession, FactorProof, FactorRequired, User } from '@/api/types'

// The session itself is the API's HttpOnly cookie: nothing here can read or leak it. This tab
// keeps only who is signed in (a username is no credential), so that after a reload onto a
// session that ended, sign-in can say so and keep the username.
export const SIGNED_IN_AS_KEY = 'iebank.signed-in-as'

// Tabs share the cookie, so they share the session: one tab's activity keeps the others' idle
// deadline, and signing out in one signs all of them out.
const CHANNEL = 'iebank.session'
type TabMessage = { kind: 'activity'; idleDeadline: number } | { kind: 'ended'; username: string | null }

export const useSessionStore = defineStore('session', () => {
  const user = ref<User | null>(null)
  const passwordChangeRequired = ref(false)
  /** Must set up a second factor before anything but the Security page (staff; customers when the bank requires it). */
  const factorEnrolmentRequired = ref(false)
  /** The idle limit the API set for this session, in milliseconds. */
  const idleMs = ref(0)
  /** When the session ends without activity (this tab's clock), and when it ends regardless. */
  const idleDeadline = ref(0)
  const absoluteDeadline = ref(0)

  // Who was signed in when the session ended by itself (idle, revoked, refused by the API), so a
  // page can keep work under way for the same person's next sign-in; null after a sign-out.
  const endedFor = ref<string | null>(null)

  const isSignedIn = computed(() => user.value !== null)
  const isAdmin = computed(() => user.value?.role === 'admin')

  const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL)
  if (channel) {
    channel.onmessage = (event: MessageEvent<TabMessage>) => {
      const message = event.data
      if (message.kind === 'activity' && isSignedIn.value) {
        idleDeadline.value = Math.max(idleDeadline.value, Math.min(message.idleDeadline, absoluteDeadline.value))
      } else if (message.kind === 'ended' && isSignedIn.value) {
        forget(message.username ? 'ended' : 'signed-out')
      }
    }
  }

  function apply(current: CurrentSession, startedAt: number) {
    user.value = current.user
    passwordChangeRequired.value = current.password_change_required
    factorEnrolmentRequired.value = current.factor_enrolment_required
    // Counted on this tab's clock from when the request left (never later than the server's
    // deadline); the absolute end likewise, as a length from the server's own times.
    idleMs.value = current.session.idle_seconds * 1000
    const untilAbsoluteEnd = Date.parse(current.session.expires_at) - Date.parse(current.session.idle_expires_at)
    absoluteDeadline.value = startedAt + idleMs.value + Math.max(0, untilAbsoluteEnd)
    idleDeadline.value = Math.min(startedAt + idleMs.value, absoluteDeadline.value)
    endedFor.value = null
    sessionStorage.setItem(SIGNED_IN_AS_KEY, current.user.username)
  }

  /** The session as the API knows it after a reload; a 401 just means nobody is signed in. */
  async function restore(): Promise<void> {
    const startedAt = Date.now()
    try {
      apply(await authApi.session(), startedAt)
    } catch {
      const before = sessionStorage.getItem(SIGNED_IN_AS_KEY)
      sessionStorage.removeItem(SIGNED_IN_AS_KEY)
      user.value = null
      endedFor.value = before
    }
  }

  /** The user once signed in, or the challenge of the second step (src/components/FactorStep.vue) with no session yet. */
  async function signIn(username: string, password: string): Promise<User | FactorRequired> {
    const startedAt = Date.now()
    const response = await authApi.login(username, password)
    if (isFactorRequired(response)) return response
    apply(response, startedAt)
    return response.user
  }

  /** Sign-in's second step: a code or a passkey for the challenge the password's answer gave. */
  async function completeFactor(challengeId: string, proof: FactorProof): Promise<User> {
    const startedAt = Date.now()
    const response = await factorsApi.signIn(challengeId, proof)
    apply(response, startedAt)
    return response.user
  }

  /** Sign-in with a passkey alone (src/components/PasskeySignInButton.vue): the same answer as a password's. */
  async function signInWithPasskey(challengeId: string, credential: unknown): Promise<User> {
    const startedAt = Date.now()
    const response = await passkeysApi.signIn(challengeId, credential)
    apply(response, startedAt)
    return response.user
  }

  /** "Stay signed in": any authenticated call is activity; this one also reads the session's state. */
  async function stayAlive(): Promise<void> {
    const startedAt = Date.now()
    apply(await authApi.session(), startedAt)
    touched(startedAt)
  }

  /** Every answered authenticated request moved the server's idle deadline; follow it here. */
  function touched(startedAt: number) {
    if (!isSignedIn.value) return
    idleDeadline.value = Math.min(startedAt + idleMs.value, absoluteDeadline.value)
    channel?.postMessage({ kind: 'activity', idleDeadline: idleDeadline.value } satisfies TabMessage)
  }

  function forget(reason: 'signed-out' | 'ended') {
    // A second "ended" (the refused request after an ending seen here) keeps the first's username.
    endedFor.value = reason === 'ended' ? (user.value?.username ?? endedFor.value) : null
    user.value = null
    passwordChangeRequired.value = false
    factorEnrolmentRequired.value = false
    idleDeadline.value = 0
    absoluteDeadline.value = 0
    sessionStorage.removeItem(SIGNED_IN_AS_KEY)
  }

  /**
   * `signed-out`: the person signed out; `ended`: the session ran out or the API refused it. Either
   * way the server ends the session too (the cookie goes with it), and every other tab follows.
   */
  function signOut(reason: 'signed-out' | 'ended' = 'signed-out') {
    const wasSignedIn = isSignedIn.value
    forget(reason)
    if (!wasSignedIn) return
    channel?.postMessage({ kind: 'ended', username: endedFor.value } satisfies TabMessage)
    void authApi.logout().catch(() => {
      // Offline: the server ends the session by itself once it has been idle long enough.
    })
  }

  function passwordChanged() {
    passwordChangeRequired.value = false
  }

  /** A call answered 403 factor-enrolment-required, or the first factor is set up (the gate opens). */
  function setFactorEnrolmentRequired(required: boolean) {
    factorEnrolmentRequired.value = required
  }

  return {
    user,
    endedFor,
    passwordChangeRequired,
    factorEnrolmentRequired,
    idleMs,
    idleDeadline,
    absoluteDeadline,
    isSignedIn,
    isAdmin,
    restore,
    signIn,
    signInWithPasskey,
    completeFactor,
    stayAlive,
    touched,
    signOut,
    passwordChanged,
    setFactorEnrolmentRequired,
  }
})
