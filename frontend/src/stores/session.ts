import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi } from '@/api/endpoints'
import type { User } from '@/api/types'

// sessionStorage, never localStorage: the token dies with the tab and is not shared across tabs.
export const SESSION_KEY = 'iebank.session'

interface StoredSession {
  token: string
  user: User
  expiresAt: number
}

function readStored(): StoredSession | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY)
    if (!raw) return null
    const stored = JSON.parse(raw) as StoredSession
    if (typeof stored.token !== 'string' || !stored.user || stored.expiresAt <= Date.now()) {
      sessionStorage.removeItem(SESSION_KEY)
      return null
    }
    return stored
  } catch {
    return null
  }
}

export const useSessionStore = defineStore('session', () => {
  const stored = readStored()
  const token = ref<string | null>(stored?.token ?? null)
  const user = ref<User | null>(stored?.user ?? null)
  const expiresAt = ref<number>(stored?.expiresAt ?? 0)

  // Who was signed in when the session ended by itself (expired or refused by the API), so a page
  // can keep work under way for the same person's next sign-in; null after a sign-out.
  const endedFor = ref<string | null>(null)

  const isSignedIn = computed(() => token.value !== null && user.value !== null)
  const isAdmin = computed(() => user.value?.role === 'admin')

  /** The token when it is still valid; an expired one is dropped rather than sent. */
  function currentToken(): string | null {
    if (token.value && expiresAt.value <= Date.now()) signOut('ended')
    return token.value
  }

  async function signIn(username: string, password: string): Promise<User> {
    const response = await authApi.login(username, password)
    token.value = response.access_token
    user.value = response.user
    expiresAt.value = Date.now() + response.expires_in * 1000
    endedFor.value = null
    sessionStorage.setItem(
      SESSION_KEY,
      JSON.stringify({ token: token.value, user: user.value, expiresAt: expiresAt.value } satisfies StoredSession),
    )
    return response.user
  }

  /** `ended`: the session ran out or the API refused it, rather than the person signing out. */
  function signOut(reason: 'signed-out' | 'ended' = 'signed-out') {
    // A second "ended" (the refused request after an expiry seen locally) keeps the first's username.
    endedFor.value = reason === 'ended' ? (user.value?.username ?? endedFor.value) : null
    token.value = null
    user.value = null
    expiresAt.value = 0
    sessionStorage.removeItem(SESSION_KEY)
  }

  return { token, user, endedFor, isSignedIn, isAdmin, currentToken, signIn, signOut }
})
