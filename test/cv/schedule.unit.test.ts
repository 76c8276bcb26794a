import { ConfigError, loadConfig } from '../../lib/config';
import { declareSchedules, scheduleContext } from '../../schedules';
import { CV_SCHEDULE_ID } from '../../schedules/cv';

describe('the CV schedule', () => {
  it('runs cvPipeline on the cv queue every CV_SCHEDULE_MINUTES (default 10), skipping overlaps', () => {
    const find = (env: Record<string, string>) =>
      declareSchedules(scheduleContext(loadConfig(env))).find((declaration) => declaration.id === CV_SCHEDULE_ID);
    expect(find({})).toMatchObject({
      taskQueue: 'cv',
      workflowType: 'cvPipeline',
      calendars: [{ hour: '*', minute: { start: 0, end: 59, step: 10 } }],
      args: [{ timeZone: 'America/Santiago' }],
    });
    expect(find({ CV_SCHEDULE_MINUTES: '15', PIPELINES_TZ: 'UTC' })).toMatchObject({
      calendars: [{ minute: { step: 15 } }],
      args: [{ timeZone: 'UTC' }],
    });
  });

  it.each(['0', '61', 'ten'])('refuses CV_SCHEDULE_MINUTES=%s', (value) => {
    expect(() => loadConfig({ CV_SCHEDULE_MINUTES: value })).toThrow(ConfigError);
  });
});
