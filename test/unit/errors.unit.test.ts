import { ApplicationFailure } from '@temporalio/common';
import { BadCredentialsError, InvalidInputError, withFailureMapping } from '../../lib/errors';

describe('the activity boundary', () => {
  const activities = withFailureMapping({
    async login(password: string) {
      if (password !== 'right') throw new BadCredentialsError('the CV platform refused the credentials');
      return 'token';
    },
    async parse(date: string) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new InvalidInputError('bad date', { field: 'fecha', value: date });
      throw new Error('connection reset');
    },
  });

  it('turns errors retrying cannot fix into non-retryable failures with a stable type', async () => {
    const failure = await activities.login('wrong').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'BadCredentials', nonRetryable: true });
    const invalid = await activities.parse('22/11/2026').catch((error: unknown) => error);
    expect(invalid).toMatchObject({ type: 'InvalidInput', nonRetryable: true, details: [{ field: 'fecha' }] });
  });

  it('leaves every other error retryable, and results untouched', async () => {
    await expect(activities.login('right')).resolves.toBe('token');
    const transient = await activities.parse('2026-11-22').catch((error: unknown) => error);
    expect(transient).not.toBeInstanceOf(ApplicationFailure);
    expect(transient).toEqual(new Error('connection reset'));
  });
});
