import { measuredAtMs } from './formats';

/**
 * The referee: every sending rule of the DGA's manual a submit can break (an accepted measurement
 * never sent again, a retry not before a "day", the backlog spaced, one send per work at a time,
 * hourly slots: the `ViolationRule`s below), recorded instead of enforced, so tests can assert that
 * a pipeline broke none. The SMA simulator records its own rules in the same shape.
 */
export type ViolationRule =
  /** A measurement the regulator holds, and whose acceptance reached the client, sent again. */
  | 'RESEND_ACCEPTED'
  /** A measurement whose previous attempt got no "00" (or no answer) sent again before a "day" passed. */
  | 'RESEND_TOO_SOON'
  /** A backlog measurement (≥ backlogThresholdMs old) sent less than backlogSpacingMs after the work's previous submit. */
  | 'BACKLOG_SPACING'
  /** A submit for a work while another submit for it is still being answered. */
  | 'CONCURRENT_SENDS'
  /** A time that is not a slot of the standard: DGA hourly at HH:00:00, SMA a minute multiple of 5. */
  | 'WRONG_MINUTE';

export interface Violation {
  source: 'DGA' | 'SMA';
  rule: ViolationRule;
  /** The DGA work; for the SMA, the device as `ufId/procesoId/dispositivoId`. */
  codigoObra: string;
  fechaMedicion: string;
  horaMedicion: string;
  /** When the offending request arrived (the simulator's clock, epoch ms). */
  at: number;
  detail: string;
}

export interface DgaRules {
  backlogSpacingMs: number;
  retryEveryMs: number;
  backlogThresholdMs: number;
}

export interface AdmittedAttempt {
  /** The acceptance ("00" or "Ya existe") was written to the client. */
  acceptanceDelivered(): void;
  /** The request is over (answered, lost or aborted): the work is free again. */
  settle(): void;
}

interface LastAttempt {
  at: number;
  accepted: boolean;
}

export function createDgaReferee(rules: DgaRules) {
  const violations: Violation[] = [];
  const lastAttempt = new Map<string, LastAttempt>();
  const lastSubmitAt = new Map<string, number>();
  const inFlight = new Map<string, number>();

  /**
   * Judges one submit as it arrives. `measurement` is null when the body names none (nothing to
   * police but concurrency); `heldDelivered` says whether the simulator holds it and whether its
   * acceptance was delivered.
   */
  function admit(
    codigoObra: string,
    measurement: { fechaMedicion: string; horaMedicion: string } | null,
    at: number,
    heldDelivered: boolean | undefined,
  ): AdmittedAttempt {
    const fechaMedicion = measurement?.fechaMedicion ?? '';
    const horaMedicion = measurement?.horaMedicion ?? '';
    const flag = (rule: ViolationRule, detail: string) =>
      violations.push({ source: 'DGA', rule, codigoObra, fechaMedicion, horaMedicion, at, detail });

    const busy = inFlight.get(codigoObra) ?? 0;
    if (busy > 0) flag('CONCURRENT_SENDS', `${busy} other submit(s) for the work still being answered`);
    inFlight.set(codigoObra, busy + 1);

    const previousSubmit = lastSubmitAt.get(codigoObra);
    lastSubmitAt.set(codigoObra, at);
    let attempt: LastAttempt | undefined;
    if (measurement) {
      const ageMs = at - measuredAtMs(fechaMedicion, horaMedicion);
      if (
        ageMs >= rules.backlogThresholdMs &&
        previousSubmit !== undefined &&
        at - previousSubmit < rules.backlogSpacingMs
      )
        flag(
          'BACKLOG_SPACING',
          `backlog measurement ${Math.round(ageMs / 60_000)} min old sent ${at - previousSubmit} ms after the work's previous submit (spacing ${rules.backlogSpacingMs} ms)`,
        );
      if (/^\d{2}:\d{2}:\d{2}$/.test(horaMedicion) && !horaMedicion.endsWith(':00:00'))
        flag('WRONG_MINUTE', `horaMedicion ${horaMedicion} is not on the hour`);

      const key = `${codigoObra}|${fechaMedicion}|${horaMedicion}`;
      const previous = lastAttempt.get(key);
      if (heldDelivered) flag('RESEND_ACCEPTED', 'the measurement is held and its acceptance was delivered');
      else if (previous && !previous.accepted && at - previous.at < rules.retryEveryMs)
        flag(
          'RESEND_TOO_SOON',
          `sent again ${at - previous.at} ms after an attempt without "00" or answer (once a day: ${rules.retryEveryMs} ms)`,
        );
      attempt = { at, accepted: false };
      lastAttempt.set(key, attempt);
    }

    let settled = false;
    return {
      acceptanceDelivered: () => {
        if (attempt) attempt.accepted = true;
      },
      settle: () => {
        if (settled) return;
        settled = true;
        inFlight.set(codigoObra, (inFlight.get(codigoObra) ?? 1) - 1);
      },
    };
  }

  return {
    admit,
    violations: () => violations.map((violation) => ({ ...violation })),
    reset() {
      violations.length = 0;
      lastAttempt.clear();
      lastSubmitAt.clear();
      inFlight.clear();
    },
  };
}
