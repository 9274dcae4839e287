import { type ActionRegistry, defaultActions } from '../compliance/index.ts';
import { type IncidentService, quarantineAction } from '../incident/index.ts';

/** The actions policies may name: pciq's remediation actions, and incident response's quarantine. */
export function policyActions(incidents: () => IncidentService): ActionRegistry {
  const actions = defaultActions();
  actions.add(quarantineAction(incidents));
  return actions;
}

/** The same actions for checking policies before anything is open: none of them is carried out. */
export function actionsToCheck(): ActionRegistry {
  return policyActions(() => {
    throw new Error('these actions only check policies');
  });
}
