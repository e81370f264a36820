//! The three mutations an association resource sends (associate, disassociate, deploy), each
//! described to the waiter engine as a [`Mutation`]: one attempt, what its errors mean, and
//! how to look at AWS for its effect. The engine decides when to send, look and give up.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use tf_provider_framework::value::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::key::AssociationKey;
use super::kind::{Association, Call};
use super::observation::{Disassociation, Observation, Phase};
use crate::aws::clients::RegionClients;
use crate::aws::error::{AwsError, MutationCall, react};
use crate::aws::waiter::poller::StatusCall;
use crate::aws::waiter::{
    Look, Mutation, ParentWait, Reaction, Transition, Verdict, WaitError, WaiterEngine,
};

/// The kind's facts the error policy ([`react`]) reads for a change of its parent's
/// associations (a disassociate; a deployment and an associate add their own).
fn changes_of<A: Association>() -> MutationCall<'static> {
    MutationCall {
        parent_state: A::SPEC.quirks.parent_state_codes,
        one_change_per_parent: A::SPEC.operations.deploy.is_some(),
        ..MutationCall::default()
    }
}

/// One create: `AssociateX` with the configuration's arguments.
///
/// It never takes for its own an association it did not make. The engine looks before the
/// first attempt, and that look is remembered: after an unknown outcome only a record that was
/// not there at that look, and that is what the configuration asks for, is adopted.
pub struct Associate<'a, A: Association> {
    pub association: &'a A,
    pub clients: &'a RegionClients,
    pub config: &'a Value,
    /// The same for every attempt of this create (an idempotency token where the API takes
    /// one).
    pub token: String,
    /// Set once the first attempt goes out.
    sent: AtomicBool,
    /// What the last look before the first attempt found.
    before: Mutex<Option<Observation>>,
}

impl<'a, A: Association> Associate<'a, A> {
    pub fn new(association: &'a A, clients: &'a RegionClients, config: &'a Value) -> Self {
        Associate {
            association,
            clients,
            config,
            token: uuid::Uuid::new_v4().to_string(),
            sent: AtomicBool::new(false),
            before: Mutex::new(None),
        }
    }

    /// Whether a record was there before this create sent anything.
    fn seen_before(&self, found: &Observation) -> bool {
        self.before
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|before| before.same_record(found))
    }
}

#[async_trait]
impl<A: Association> Mutation for Associate<'_, A> {
    type Done = (AssociationKey, Observation);

    async fn send(&self) -> Result<Self::Done, AwsError> {
        self.sent.store(true, Ordering::SeqCst);
        self.association
            .associate(&self.clients.single_attempt, self.config, &self.token)
            .await
    }

    /// The kind's "already exists" codes (and NetworkManager's generic conflict, which is one
    /// of them) claim the effect; an unknown outcome of an API with an idempotency token is
    /// resent with the same token.
    fn react(&self, error: &AwsError) -> Reaction {
        let call = MutationCall {
            already_exists: A::SPEC.already_exists,
            idempotent: A::SPEC.quirks.idempotency_token,
            ..changes_of::<A>()
        };
        react(error, &call)
    }

    async fn look(&self) -> Result<Look<Self::Done>, AwsError> {
        let found = self
            .association
            .find(&self.clients.single_attempt, self.config)
            .await?;
        let before_sending = !self.sent.load(Ordering::SeqCst);
        if before_sending {
            *self
                .before
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                found.as_ref().map(|(_, observation)| observation.clone());
        }
        let Some((key, observation)) = found else {
            return Ok(Look::NotInEffect);
        };
        let keyed_by_configuration = self.association.planned_key(self.config).is_some();
        Ok(match &observation.phase {
            Phase::Gone => Look::NotInEffect,
            // Someone is removing it: neither ours to adopt nor safe to create over.
            Phase::Deleting => {
                tracing::info!(id = %self.association.id(&key), "the association is being removed; waiting");
                Look::Busy
            }
            // Where the configuration names the association, a failed record is that
            // association (AWS keeps it, and refuses a new one); elsewhere (Client VPN, whose
            // key AWS assigns) it is an old attempt that a new association simply replaces.
            Phase::Failed(_) if keyed_by_configuration && before_sending => {
                Look::Foreign((key, observation))
            }
            Phase::Failed(_) if !keyed_by_configuration || self.seen_before(&observation) => {
                Look::NotInEffect
            }
            _ if before_sending
                || self.seen_before(&observation)
                || !self.association.matches(self.config, &observation) =>
            {
                Look::Foreign((key, observation))
            }
            _ => Look::InEffect((key, observation)),
        })
    }

    async fn parent_busy(&self) -> Result<bool, AwsError> {
        match self.association.planned_key(self.config) {
            Some(key) => {
                self.association
                    .parent_busy(&self.clients.single_attempt, &key.parent)
                    .await
            }
            None => Ok(false),
        }
    }
}

/// Where a mutation that AWS refused because its parent is changing waits for that change to
/// end ([`Reaction::AwaitParent`]): the parent's shared status poll, registered under the
/// member the operation is about. Waits on the same parent (the removals being carried out
/// among them) aim their polls at the change's end, and this wait follows them.
pub struct ParentWatch<'a> {
    pub waiters: &'a WaiterEngine<Observation>,
    pub call: StatusCall<Observation>,
    /// The key the parent's shared poll goes by (its region and ID).
    pub poll_key: String,
    pub key: &'a AssociationKey,
}

/// How a [`ParentWatch`] wait ended, with the member's last observation (`None`: not listed).
pub struct Freed {
    pub wait: ParentWait<()>,
    pub last: Option<Observation>,
}

impl ParentWatch<'_> {
    /// Waits until a status answer shows no change under way on the parent, or the member no
    /// longer listed. With `staged_change`, also until the member's staged change is no longer
    /// staged: another operation's deployment has taken it along, and this one's is done.
    pub async fn until_free(
        &self,
        deadline: Instant,
        stop: &CancellationToken,
        staged_change: bool,
    ) -> Result<Freed, AwsError> {
        tracing::info!(
            parent = %self.key.parent,
            member = %self.key.member,
            "AWS is carrying out another change on the parent; waiting for it to end"
        );
        let mut seen_changing = false;
        let mut last = None;
        let waited = self
            .waiters
            .wait(
                &self.poll_key,
                &self.key.member,
                self.call.clone(),
                Transition::ParentFree,
                None,
                deadline,
                stop,
                |seen| {
                    last = seen.cloned();
                    match seen {
                        Some(observation) if staged_change && !observation.staged => {
                            Verdict::Done(ParentWait::InEffect(()))
                        }
                        Some(observation) if observation.parent_changing => {
                            seen_changing = true;
                            Verdict::Continue
                        }
                        None if staged_change => Verdict::Done(ParentWait::InEffect(())),
                        _ if seen_changing => Verdict::Done(ParentWait::Ended),
                        _ => Verdict::Done(ParentWait::NothingSeen),
                    }
                },
            )
            .await;
        let wait = match waited {
            Ok(wait) => wait,
            // The mutation engine ends at the deadline or on the stop by itself.
            Err(WaitError::Timeout | WaitError::Interrupted) => ParentWait::Ended,
            Err(WaitError::Aws(error)) => return Err(error),
            Err(WaitError::Failed(message)) => {
                return Err(AwsError::answered(
                    "status call",
                    None,
                    format!("waiting for {} to be free: {message}", self.key.parent),
                    None,
                ));
            }
        };
        Ok(Freed { wait, last })
    }
}

/// Waits on `watch` when there is one; otherwise reports that nothing was seen.
async fn until_free(
    watch: Option<&ParentWatch<'_>>,
    deadline: Instant,
    stop: &CancellationToken,
    staged_change: bool,
) -> Result<ParentWait<()>, AwsError> {
    match watch {
        Some(watch) => Ok(watch.until_free(deadline, stop, staged_change).await?.wait),
        None => Ok(ParentWait::NothingSeen),
    }
}

/// One delete: `DisassociateX` for a known association. A not-found answer means it is already
/// gone.
pub struct Disassociate<'a, A: Association> {
    pub association: &'a A,
    pub clients: &'a RegionClients,
    pub key: &'a AssociationKey,
    /// Where to wait when AWS refuses because the parent is changing.
    pub watch: Option<ParentWatch<'a>>,
}

#[async_trait]
impl<A: Association> Mutation for Disassociate<'_, A> {
    type Done = Disassociation;

    async fn send(&self) -> Result<Disassociation, AwsError> {
        let answer = self
            .association
            .send_disassociate(
                Call::disassociate::<A>(&self.clients.single_attempt, self.key),
                false,
            )
            .await;
        Disassociation::from_answer(answer, A::SPEC.not_found)
    }

    fn react(&self, error: &AwsError) -> Reaction {
        react(error, &changes_of::<A>())
    }

    async fn look(&self) -> Result<Look<Disassociation>, AwsError> {
        let listing = self
            .association
            .observe(&self.clients.single_attempt, &self.key.parent)
            .await?;
        Ok(match listing.take_live(&self.key.member).map(|o| o.phase) {
            None => Look::InEffect(Disassociation::AlreadyGone),
            Some(Phase::Deleting) => Look::InEffect(Disassociation::Started),
            // Still being created: AWS refuses a disassociate until it settles.
            Some(Phase::Pending) => Look::Busy,
            Some(Phase::Ready | Phase::Failed(_) | Phase::Gone) => Look::NotInEffect,
        })
    }

    async fn parent_busy(&self) -> Result<bool, AwsError> {
        self.association
            .parent_busy(&self.clients.single_attempt, &self.key.parent)
            .await
    }

    async fn until_parent_free(
        &self,
        deadline: Instant,
        stop: &CancellationToken,
    ) -> Result<ParentWait<Disassociation>, AwsError> {
        Ok(
            match until_free(self.watch.as_ref(), deadline, stop, false).await? {
                ParentWait::InEffect(()) | ParentWait::Ended => ParentWait::Ended,
                ParentWait::NothingSeen => ParentWait::NothingSeen,
            },
        )
    }
}

/// One deployment of a parent's staged changes (WorkSpaces `DeployWorkspaceApplications`).
///
/// Sending it again is always safe: a deployment carries out whatever is staged at that
/// moment, and one with nothing staged changes nothing. So an unknown outcome is simply sent
/// again, and "in use" (another deployment is running) is waited out.
pub struct Deploy<'a, A: Association> {
    pub association: &'a A,
    pub clients: &'a RegionClients,
    pub parent: &'a str,
    /// Where to wait while another deployment of the parent is carried out.
    pub watch: Option<ParentWatch<'a>>,
}

#[async_trait]
impl<A: Association> Mutation for Deploy<'_, A> {
    type Done = ();

    async fn send(&self) -> Result<(), AwsError> {
        self.association
            .deploy(&self.clients.single_attempt, self.parent)
            .await
    }

    fn react(&self, error: &AwsError) -> Reaction {
        let call = MutationCall {
            repeatable: true,
            ..changes_of::<A>()
        };
        react(error, &call)
    }

    async fn look(&self) -> Result<Look<()>, AwsError> {
        Ok(Look::NotInEffect)
    }

    async fn parent_busy(&self) -> Result<bool, AwsError> {
        self.association
            .parent_busy(&self.clients.single_attempt, self.parent)
            .await
    }

    /// A deployment parked behind another one is done when that one took this one's staged
    /// change along: several deployments refused at once must not each wait out the next.
    async fn until_parent_free(
        &self,
        deadline: Instant,
        stop: &CancellationToken,
    ) -> Result<ParentWait<()>, AwsError> {
        until_free(self.watch.as_ref(), deadline, stop, true).await
    }
}
